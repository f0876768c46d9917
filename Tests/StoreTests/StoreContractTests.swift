import Foundation
import Logging
import Postgres
import Store
import XCTest

/// One suite of store behaviour that every backend passes: `SQLiteStoreContractTests` and
/// `PostgresStoreContractTests` run each test here against their own backend, through the
/// `PhoneStore` interface only. The base class runs nothing by itself.
class StoreContractTests: StoreWaiting {
    /// A store on a database of this test's own; the same database each call within one test
    /// (so closing and opening again shows what survives).
    func openStore() throws -> PhoneStore {
        throw XCTSkip("the contract runs in its subclasses")
    }

    func testSessionsSurviveReopeningAndLastSeenNeverGoesBack() throws {
        let store = try openStore()
        let session = StoredSession(key: String(repeating: "a", count: 64), user: "alice", csrfToken: "t", createdAt: 10, lastSeen: 20)
        let other = StoredSession(key: String(repeating: "b", count: 64), user: "bob", csrfToken: "u", createdAt: 10, lastSeen: 20)
        try wait { store.sessions.save(session, then: $0) }
        try wait { store.sessions.save(other, then: $0) }
        try wait { store.sessions.touch([(key: session.key, at: 99), (key: other.key, at: 5)], then: $0) }
        var older = session
        older.lastSeen = 50
        try wait { store.sessions.save(older, then: $0) }
        try wait { store.sessions.delete(keys: [other.key], then: $0) }
        store.close()
        let reopened = try openStore()
        defer { reopened.close() }
        var expected = session
        expected.lastSeen = 99
        XCTAssertEqual(try reopened.sessions.loadAll(), [expected])
    }

    func testGroupCommitAnswersEveryWriteAndKeepsThemAll() throws {
        let store = try openStore()
        let count = 1500
        let done = expectation(description: "all")
        done.expectedFulfillmentCount = count
        for index in 0..<count {
            store.calls.merge(CallUpdate(callSid: "CA\(index)", direction: .incoming, ourNumber: "+15005550006", at: index)) { result in
                if case .success = result { done.fulfill() }
            }
        }
        wait(for: [done], timeout: 60)
        var exported = 0
        try store.calls.forEachNow { _ in exported += 1 }
        XCTAssertEqual(exported, count)
        store.close()
    }

    func testMergeReturnsTheStoredRecordAndRereadsIt() throws {
        let store = try openStore()
        defer { store.close() }
        let first = try wait { store.calls.merge(CallUpdate(callSid: "CA1", direction: .incoming, ourNumber: "+15005550006",
                                                             otherParty: "+44 20 7123 4567", usersRung: ["alice"], at: 1_000), then: $0) }
        XCTAssertNotNil(first.id)
        let second = try wait { store.calls.merge(CallUpdate(callSid: "CA1", leg: CallLeg(sid: "CA2", user: "alice", status: "completed",
                                                                                            answeredAt: 2_000, endedAt: 9_000, duration: 7), at: 9_000), then: $0) }
        XCTAssertEqual(second.id, first.id)
        XCTAssertEqual(second.outcome, .completed)
        let page = try wait { store.calls.page(CallQuery(user: "alice", numbers: ["+15005550006"]), then: $0) }
        XCTAssertEqual(page.calls, [second])
    }

    func testALegsNumberIsKeptAndNamesThePhoneThatAnswered() throws {
        let store = try openStore()
        let (call, phone, browser) = ("CA-door", "CA-phone-leg", "CA-alice-leg")
        let updates = [
            CallUpdate(callSid: call, direction: .intercom, ourNumber: "+442079460174", otherParty: "+442079460999",
                       usersRung: ["alice"], at: 1_000),
            CallUpdate(callSid: call, leg: CallLeg(sid: phone, number: "+4930123456", status: "ringing"), at: 2_000),
            CallUpdate(callSid: call, leg: CallLeg(sid: browser, user: "alice", status: "ringing"), at: 2_000),
            // A later report of the leg without its number (the `<Dial action>`'s) keeps it.
            CallUpdate(callSid: call, leg: CallLeg(sid: phone, status: "completed", answeredAt: 3_000, endedAt: 33_000,
                                                   duration: 30), dialStatus: "completed", door: "answered", at: 33_000),
            CallUpdate(callSid: call, leg: CallLeg(sid: browser, user: "alice", status: "canceled", endedAt: 3_000), at: 3_000),
        ]
        var stored: CallRecord?
        for update in updates { stored = try wait { store.calls.merge(update, then: $0) } }
        XCTAssertEqual(stored?.answeredNumber, "+4930123456")
        XCTAssertNil(stored?.answeredBy)
        XCTAssertEqual(stored?.legs.map(\.number), [nil, "+4930123456"], "legs by sid: the browser's, then the phone's")
        store.close()
        let reopened = try openStore()
        defer { reopened.close() }
        let page = try wait { reopened.calls.page(CallQuery(user: "alice", numbers: ["+442079460174"]), then: $0) }
        XCTAssertEqual(page.calls, stored.map { [$0] })
        XCTAssertEqual(page.calls.first?.answeredNumber, "+4930123456")
        var exported: [CallRecord] = []
        try reopened.calls.forEachNow { exported.append($0) }
        XCTAssertEqual(exported, page.calls)
    }

    func testATermOfCommonAndRareTrigramsFindsExactlyTheCallsHoldingIt() throws {
        let store = try openStore()
        defer { store.close() }
        let number = "+15005550006"
        // Every call's name holds `caller`; `123` and `345` are in a few: the index is asked for
        // those (RareTrigrams), and rows holding them but not the whole term must not come back.
        let names = ["Caller 12345", "caller 123450", "Caller 1234", "Caller 34512", "CALLER 912345",
                     "Caller 12 345", "Caller 345123", "Callers 12345"]
        for (index, name) in names.enumerated() {
            _ = try wait { store.calls.merge(CallUpdate(callSid: "CA-name-\(index)", direction: .incoming, ourNumber: number,
                                                        otherParty: "+4420790\(index)", callerName: name, at: 1_000 + index), then: $0) }
        }
        for index in 0..<1000 {
            _ = try wait { store.calls.merge(CallUpdate(callSid: "CA-many-\(index)", direction: .incoming, ourNumber: number,
                                                        otherParty: "+447700" + sparseDigits(index), callerName: "Caller 9" + sparseDigits(index),
                                                        at: 10_000 + index), then: $0) }
        }
        // The name holds `abc`, the party `def`: a row holds both trigrams, but no field the term.
        _ = try wait { store.calls.merge(CallUpdate(callSid: "CA-split", direction: .incoming, ourNumber: number,
                                                    otherParty: "def", callerName: "abc", at: 20_000), then: $0) }
        func sids(_ text: String) throws -> [String] {
            try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], limit: 200, text: text), then: $0) }.calls.map(\.sid)
        }
        XCTAssertEqual(try sids("Caller 12345"), ["CA-name-1", "CA-name-0"], "ASCII case ignored, only whole-term holders")
        XCTAssertEqual(try sids("ALLER 9123"), ["CA-name-4"])
        XCTAssertEqual(try sids("abcdef"), [], "the trigrams in two fields are not the term")
        XCTAssertEqual(try sids("abc"), ["CA-split"])
        XCTAssertEqual(try sids("Caller 9" + sparseDigits(7)),
                       (0..<1000).reversed().filter { ("9" + sparseDigits($0)).hasPrefix("9" + sparseDigits(7)) }
                           .map { "CA-many-\($0)" },
                       "common trigrams only")
        XCTAssertEqual(try sids("r 12 3"), ["CA-name-5"], "windows of fewer than three letters or digits: the whole term")
        XCTAssertEqual(try sids("+4420790"), (0..<names.count).reversed().map { "CA-name-\($0)" }, "the party's text")
    }

    func testUsersSeeOnlyTheirNumbersAndTheirOwnOutgoingCalls() throws {
        let store = try openStore()
        defer { store.close() }
        let updates = [
            CallUpdate(callSid: "CA-in-a", direction: .incoming, ourNumber: "+15005550006", otherParty: "+1", at: 1),
            CallUpdate(callSid: "CA-in-b", direction: .incoming, ourNumber: "+15005550007", otherParty: "+2", at: 2),
            CallUpdate(callSid: "CA-out-a", direction: .outgoing, ourNumber: "+15005550006", otherParty: "+3", user: "alice", at: 3),
            CallUpdate(callSid: "CA-out-c", direction: .outgoing, ourNumber: "+15005550006", otherParty: "+4", user: "carol", at: 4),
            CallUpdate(callSid: "CA-nodir", ourNumber: "+15005550006", otherParty: "+5", at: 5),
        ]
        for update in updates { _ = try wait { store.calls.merge(update, then: $0) } }
        let alice = try wait { store.calls.page(CallQuery(user: "alice", numbers: ["+15005550006"]), then: $0) }
        XCTAssertEqual(alice.calls.map(\.sid), ["CA-nodir", "CA-out-a", "CA-in-a"])
        let bob = try wait { store.calls.page(CallQuery(user: "bob", numbers: ["+15005550007"]), then: $0) }
        XCTAssertEqual(bob.calls.map(\.sid), ["CA-in-b"])
        let nobody = try wait { store.calls.page(CallQuery(user: "dave", numbers: []), then: $0) }
        XCTAssertEqual(nobody.calls, [])
    }

    func testPagingSearchMissedAndSeen() throws {
        let store = try openStore()
        defer { store.close() }
        let number = "+15005550006"
        for index in 0..<25 {
            let suffix = index < 10 ? "0\(index)" : "\(index)"
            var update = CallUpdate(callSid: "CA\(index)", direction: .incoming, ourNumber: number,
                                    otherParty: "+4420712345" + suffix,
                                    callerName: index == 7 ? "Acme Plumbing 100%" : nil, usersRung: ["alice"], at: 1_000 * index)
            if index % 5 == 0 { update.dialStatus = "no-answer" }
            _ = try wait { store.calls.merge(update, then: $0) }
        }
        var seen: [String] = []
        var cursor: CallCursor?
        repeat {
            let page = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], before: cursor, limit: 10), then: $0) }
            seen += page.calls.map(\.sid)
            XCTAssertEqual(page.unseenMissed, 5)
            cursor = page.next
        } while cursor != nil
        XCTAssertEqual(seen, (0..<25).reversed().map { "CA\($0)" })

        let digits = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], digits: "20 7123 4512"), then: $0) }
        XCTAssertEqual(digits.calls.map(\.sid), ["CA12"])
        let name = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], text: "PLUMB"), then: $0) }
        XCTAssertEqual(name.calls.map(\.sid), ["CA7"], "text search ignores ASCII case")
        let percent = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], text: "0%"), then: $0) }
        XCTAssertEqual(percent.calls.map(\.sid), ["CA7"], "% in the search is a character, not a wildcard")
        let also = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], text: "zzz",
                                                         alsoNumbers: ["+442071234503"]), then: $0) }
        XCTAssertEqual(also.calls.map(\.sid), ["CA3"])
        let missed = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], missedOnly: true), then: $0) }
        XCTAssertEqual(missed.calls.map(\.sid), ["CA20", "CA15", "CA10", "CA5", "CA0"])

        try wait { store.calls.markSeen(user: "alice", at: 12_000, then: $0) }
        try wait { store.calls.markSeen(user: "alice", at: 1_000, then: $0) }
        let after = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], limit: 1), then: $0) }
        XCTAssertEqual(after.unseenMissed, 2, "the seen mark never moves back")
    }

    func testSearchFindsNamesAddedLaterAndForgetsPurgedCalls() throws {
        let store = try openStore()
        defer { store.close() }
        let number = "+15005550006"
        func search(_ text: String) throws -> [String] {
            try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], text: text), then: $0) }.calls.map(\.sid)
        }
        _ = try wait { store.calls.merge(CallUpdate(callSid: "CA1", direction: .incoming, ourNumber: number,
                                                    otherParty: "+442079460001", at: 1_000), then: $0) }
        XCTAssertEqual(try search("hannah"), [])
        _ = try wait { store.calls.merge(CallUpdate(callSid: "CA1", callerName: "Hannah Rowe", at: 1_500), then: $0) }
        XCTAssertEqual(try search("hannah"), ["CA1"], "a name a later callback gives is searchable")
        XCTAssertEqual(try search("9460001"), ["CA1"])
        _ = try wait { store.calls.purge(startedBefore: 2_000, then: $0) }
        XCTAssertEqual(try search("hannah"), [], "a purged call is not found")
        _ = try wait { store.calls.merge(CallUpdate(callSid: "CA2", direction: .incoming, ourNumber: number,
                                                    otherParty: "+442079460001", callerName: "Hannah Rowe", at: 3_000), then: $0) }
        XCTAssertEqual(try search("ANNAH R"), ["CA2"])
        XCTAssertEqual(try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], digits: "94 600"), then: $0) }
            .calls.map(\.sid), ["CA2"])
    }

    func testPurgeDeletesOldCallsAndTheirLegs() throws {
        let store = try openStore()
        defer { store.close() }
        for index in 0..<2500 {
            store.calls.merge(CallUpdate(callSid: "CA\(index)", leg: CallLeg(sid: "L\(index)", status: "ringing"), at: index)) { _ in }
        }
        let deleted = try wait { store.calls.purge(startedBefore: 2100, then: $0) }
        XCTAssertEqual(deleted, 2100)
        var left: [CallRecord] = []
        try store.calls.forEachNow { left.append($0) }
        XCTAssertEqual(left.count, 400)
        XCTAssertEqual(left.first?.sid, "CA2100")
        XCTAssertEqual(left.first?.legs.map(\.sid), ["L2100"])
    }

    func testIntercomCodesAreSingleUseAndStateRoundTrips() throws {
        let store = try openStore()
        XCTAssertTrue(try wait { store.intercom.useCode("2580", at: 1, then: $0) })
        XCTAssertFalse(try wait { store.intercom.useCode("2580", at: 2, then: $0) })
        try wait { store.intercom.setGrant(.init(startedAt: 10, until: 70, by: "alice"), then: $0) }
        for at in 0..<5 { try wait { store.intercom.recordOpening(.init(at: at, how: "grant", from: "+1"), keep: 3, then: $0) } }
        store.close()
        let reopened = try openStore()
        defer { reopened.close() }
        let state = try reopened.intercom.loadNow(openingLimit: 50)
        XCTAssertEqual(state.grant, .init(startedAt: 10, until: 70, by: "alice"))
        XCTAssertEqual(state.usedCodes, ["2580"])
        XCTAssertEqual(state.openings.map(\.at), [4, 3, 2])
        try wait { reopened.intercom.setGrant(nil, then: $0) }
        XCTAssertNil(try reopened.intercom.loadNow(openingLimit: 1).grant)
    }

    func testImportingTheOldIntercomStateKeepsEverything() throws {
        let store = try openStore()
        defer { store.close() }
        let old = StoredIntercom(grant: .init(startedAt: 1, until: 2, by: "link"), usedCodes: ["1", "2"],
                                 openings: [.init(at: 9, how: "code", from: "+1"), .init(at: 8, how: "grant", from: "+2")])
        try store.intercom.importNow(old)
        XCTAssertEqual(try store.intercom.loadNow(openingLimit: 10), old)
    }

    func testVoicemailsListUnheardFirstAndSurviveReopening() throws {
        func message(_ sid: String, number: String = "+442079460174", at: Int) -> Voicemail {
            Voicemail(recordingSID: sid, callSID: "CA" + sid, number: number, from: "+15005550006", durationSeconds: 7, receivedAt: at)
        }
        let store = try openStore()
        XCTAssertTrue(try wait { store.voicemail.save(message("RE1", at: 100), then: $0) })
        XCTAssertFalse(try wait { store.voicemail.save(message("RE1", at: 100), then: $0) }, "a retried callback keeps one row")
        XCTAssertTrue(try wait { store.voicemail.save(message("RE2", at: 200), then: $0) })
        XCTAssertTrue(try wait { store.voicemail.save(message("RE3", number: "+15005550006", at: 300), then: $0) })
        XCTAssertTrue(try wait { store.voicemail.markHeard(recordingSID: "RE2", at: 250, then: $0) })
        XCTAssertFalse(try wait { store.voicemail.markHeard(recordingSID: "RE9", at: 250, then: $0) })
        let withText = try wait { store.voicemail.setTranscript(recordingSID: "RE1", transcript: "call me", then: $0) }
        XCTAssertEqual(withText?.transcript, "call me")
        store.close()
        let reopened = try openStore()
        defer { reopened.close() }
        let list = try wait { reopened.voicemail.list(numbers: ["+442079460174"], limit: 10, then: $0) }
        XCTAssertEqual(list.map(\.recordingSID), ["RE1", "RE2"], "unheard first, then heard; other numbers left out")
        XCTAssertEqual(list[1].heardAt, 250)
        let both = try wait { reopened.voicemail.list(numbers: ["+442079460174", "+15005550006"], limit: 2, then: $0) }
        XCTAssertEqual(both.map(\.recordingSID), ["RE3", "RE1"])
        XCTAssertTrue(try wait { reopened.voicemail.delete(recordingSID: "RE1", then: $0) })
        XCTAssertNil(try wait { reopened.voicemail.find(recordingSID: "RE1", then: $0) })
    }

    func testNoticesComeDueInOrderAreRetriedAndLeaveWhenSettled() throws {
        let store = try openStore()
        let notices = store.notices
        let first = try wait { notices.enqueue(kind: "hook", payload: "{\"a\":1}", at: 10, then: $0) }
        let second = try wait { notices.enqueue(kind: "email", payload: "{\"b\":2}", at: 20, then: $0) }
        XCTAssertNotEqual(first, second)
        XCTAssertEqual(try wait { notices.due(now: 15, limit: 10, then: $0) }.map(\.id), [first])
        try wait { notices.failed(id: first, attempts: 1, nextAt: 100, error: "timed out", then: $0) }
        store.close()
        let reopened = try openStore()
        defer { reopened.close() }
        let again = reopened.notices
        let due = try wait { again.due(now: 50, limit: 10, then: $0) }
        XCTAssertEqual(due.map(\.id), [second])
        XCTAssertEqual(due.first?.payload, "{\"b\":2}")
        try wait { again.delivered(id: second, then: $0) }
        let later = try wait { again.due(now: 100, limit: 10, then: $0) }
        XCTAssertEqual(later.map(\.id), [first])
        XCTAssertEqual(later.first?.attempts, 1)
        try wait { again.failed(id: first, attempts: 2, nextAt: nil, error: "gave up", then: $0) }
        XCTAssertEqual(try wait { again.due(now: 10_000, limit: 10, then: $0) }, [], "delivered and given-up notices are not due")
    }


    func testLoginFailuresCountPerKeyAreForgottenWhenQuietAndOnSuccess() throws {
        let store = try openStore()
        defer { store.close() }
        let address = "addr:192.0.2.7", name = "user:alice", other = "user:bob"
        XCTAssertEqual(try wait { store.loginFailures.failures(keys: [address, name], then: $0) }, [:])
        _ = try wait { store.loginFailures.recordFailure(keys: [address, name], at: 1_000, forgetBefore: 0, then: $0) }
        let counted = try wait { store.loginFailures.recordFailure(keys: [address, name], at: 2_000, forgetBefore: 0, then: $0) }
        XCTAssertEqual(counted, [address: LoginFailures(failures: 2, lastFailureAt: 2_000),
                                 name: LoginFailures(failures: 2, lastFailureAt: 2_000)])
        _ = try wait { store.loginFailures.recordFailure(keys: [other], at: 6_000, forgetBefore: 0, then: $0) }
        // A failure stamped earlier by another instance's clock never moves the latest one back.
        _ = try wait { store.loginFailures.recordFailure(keys: [name], at: 1_500, forgetBefore: 0, then: $0) }
        XCTAssertEqual(try wait { store.loginFailures.failures(keys: [name], then: $0) },
                       [name: LoginFailures(failures: 3, lastFailureAt: 2_000)])
        // Quiet since before 5,000: the address starts again at 1, and the quiet name is deleted.
        let again = try wait { store.loginFailures.recordFailure(keys: [address], at: 10_000, forgetBefore: 5_000, then: $0) }
        XCTAssertEqual(again, [address: LoginFailures(failures: 1, lastFailureAt: 10_000)])
        XCTAssertEqual(try wait { store.loginFailures.failures(keys: [address, name, other], then: $0) },
                       [address: LoginFailures(failures: 1, lastFailureAt: 10_000),
                        other: LoginFailures(failures: 1, lastFailureAt: 6_000)])
        try wait { store.loginFailures.forget(keys: [address, other], then: $0) }
        XCTAssertEqual(try wait { store.loginFailures.failures(keys: [address, name, other], then: $0) }, [:])
    }

    func testAClosedStoreAnswersEveryReadAndWriteAtOnceAsUnavailable() throws {
        let store = try openStore()
        store.close()
        // Each table's reads and writes go through the one glue (StoreTable.swift): a job the
        // queue refuses is answered, never dropped (a dropped one would leave `wait` to time out).
        func refused<T>(_ what: String, _ start: (@escaping StoreCompletion<T>) -> Void) {
            XCTAssertThrowsError(try wait(start), what) { XCTAssertEqual(($0 as? StoreError)?.kind, .unavailable, what) }
        }
        refused("calls.merge") { store.calls.merge(CallUpdate(callSid: "CA1", at: 1), then: $0) }
        refused("calls.page") { store.calls.page(CallQuery(user: "alice", numbers: ["+15005550006"]), then: $0) }
        refused("calls.purge") { store.calls.purge(startedBefore: 10, then: $0) }
        refused("sessions.delete") { store.sessions.delete(keys: ["k"], then: $0) }
        refused("voicemail.list") { store.voicemail.list(numbers: ["+15005550006"], limit: 5, then: $0) }
        refused("messages.threads") { store.messages.threads(numbers: ["+15005550006"], user: "alice", limit: 5, then: $0) }
        refused("notices.due") { store.notices.due(now: 1, limit: 5, then: $0) }
        refused("contacts.list") { store.contacts.list(ContactScope(user: "alice", numbers: []), limit: 5, then: $0) }
        refused("intercom.load") { store.intercom.load(openingLimit: 1, then: $0) }
        refused("loginFailures.failures") { store.loginFailures.failures(keys: ["user:alice"], then: $0) }
        refused("loginFailures.forget") { store.loginFailures.forget(keys: ["user:alice"], then: $0) }
    }
}

/// `index` in digits 6 to 9 only (base 4), so the rows it names hold none of the trigrams of 1 to 5
/// the search tests look for.
func sparseDigits(_ index: Int) -> String {
    var digits = ""
    var rest = index
    repeat {
        digits = String(6 + rest % 4) + digits
        rest /= 4
    } while rest > 0
    return digits
}

/// A test case that waits for store completions (tests only; the app never waits).
class StoreWaiting: XCTestCase {
    let logger = Logger(label: "test")

    func wait<T>(_ start: (@escaping StoreCompletion<T>) -> Void) throws -> T {
        let done = expectation(description: "store")
        let box = ResultBox<T>()
        start { box.result = $0; done.fulfill() }
        wait(for: [done], timeout: 30)
        return try XCTUnwrap(box.result).get()
    }

    /// After migration 14 on a database of version 13 holding call `CA-old` (an intercom call to
    /// +442079460174) with leg `CA-old-leg` (completed, answered at 2000, ended 9000, 7 s): the
    /// call and leg read as they were, with no number, and the next callback stores the number.
    func checkTheCallOfVersion13GetsItsLegsNumber(_ store: PhoneStore) throws {
        let page = try wait { store.calls.page(CallQuery(user: "alice", numbers: ["+442079460174"]), then: $0) }
        XCTAssertEqual(page.calls.map(\.sid), ["CA-old"])
        XCTAssertEqual(page.calls.first?.legs, [CallLeg(sid: "CA-old-leg", status: "completed", answeredAt: 2000,
                                                         endedAt: 9000, duration: 7)])
        XCTAssertNil(page.calls.first?.answeredNumber, "an older leg's number is unknown")
        let leg = CallLeg(sid: "CA-old-leg", number: "+4930123456", status: "completed")
        let merged = try wait { store.calls.merge(CallUpdate(callSid: "CA-old", leg: leg, at: 9000), then: $0) }
        XCTAssertEqual(merged.answeredNumber, "+4930123456")
    }
}

final class ResultBox<T>: @unchecked Sendable {
    var result: Result<T, StoreError>?

}


/// The contract on SQLite files in a temporary folder.
final class SQLiteStoreContractTests: StoreContractTests {
    var folder = ""

    override func setUp() {
        var template = Array("/tmp/shetphone-contract-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    override func openStore() throws -> PhoneStore {
        try SQLiteStore(path: folder + "/shetphone.db", logger: logger)
    }

    // The texts contract (StoreContractTests+Messages.swift) on this backend.
    func testTextsMakeOneThreadPerPartyAndADuplicateSIDIsKeptOnce() throws { try checkTextsMakeOneThreadPerPartyAndADuplicateSIDIsKeptOnce() }
    func testReadMarksArePerUserAndStatusNeverGoesBack() throws { try checkReadMarksArePerUserAndStatusNeverGoesBack() }
    func testTheTextsSearchFindsBodiesAndPartiesNewestFirst() throws { try checkTheTextsSearchFindsBodiesAndPartiesNewestFirst() }
    func testATextsTermOfCommonAndRareTrigramsFindsExactlyTheTextsHoldingIt() throws {
        try checkATextsTermOfCommonAndRareTrigramsFindsExactlyTheTextsHoldingIt()
    }
    // The intercom contract (StoreContractTests+Intercom.swift) on this backend.
    func testAGrantIsAnnouncedAndEndedOnceWhoeverAsks() throws { try checkAGrantIsAnnouncedAndEndedOnceWhoeverAsks() }
    func testADoorOpeningConsumesItsCodeOnce() throws { try checkADoorOpeningConsumesItsCodeOnce() }
    func testGrantCodeAttemptsAreCountedPerAddressAndWindow() throws { try checkGrantCodeAttemptsAreCountedPerAddressAndWindow() }
    // The shared secrets contract (StoreContractTests+Secrets.swift) on this backend.
    func testASecretIsStoredOnceAndOutlivesReopening() throws { try checkASecretIsStoredOnceAndOutlivesReopening() }
    func testStoresStartingTogetherAllGetTheFirstSecret() throws { try checkStoresStartingTogetherAllGetTheFirstSecret() }
}

/// The contract on a real PostgreSQL, a fresh database per test.
final class PostgresStoreContractTests: StoreContractTests {
    var url: PostgresURL?

    override func setUpWithError() throws {
        url = try PostgresStoreContractTests.freshDatabase()
    }

    override func openStore() throws -> PhoneStore {
        try PostgresStore(url: XCTUnwrap(url), logger: logger)
    }

    // The texts contract (StoreContractTests+Messages.swift) on this backend.
    func testTextsMakeOneThreadPerPartyAndADuplicateSIDIsKeptOnce() throws { try checkTextsMakeOneThreadPerPartyAndADuplicateSIDIsKeptOnce() }
    func testReadMarksArePerUserAndStatusNeverGoesBack() throws { try checkReadMarksArePerUserAndStatusNeverGoesBack() }
    func testTheTextsSearchFindsBodiesAndPartiesNewestFirst() throws { try checkTheTextsSearchFindsBodiesAndPartiesNewestFirst() }
    func testATextsTermOfCommonAndRareTrigramsFindsExactlyTheTextsHoldingIt() throws {
        try checkATextsTermOfCommonAndRareTrigramsFindsExactlyTheTextsHoldingIt()
    }
    // The intercom contract (StoreContractTests+Intercom.swift) on this backend.
    func testAGrantIsAnnouncedAndEndedOnceWhoeverAsks() throws { try checkAGrantIsAnnouncedAndEndedOnceWhoeverAsks() }
    func testADoorOpeningConsumesItsCodeOnce() throws { try checkADoorOpeningConsumesItsCodeOnce() }
    func testGrantCodeAttemptsAreCountedPerAddressAndWindow() throws { try checkGrantCodeAttemptsAreCountedPerAddressAndWindow() }
    // The shared secrets contract (StoreContractTests+Secrets.swift) on this backend.
    func testASecretIsStoredOnceAndOutlivesReopening() throws { try checkASecretIsStoredOnceAndOutlivesReopening() }
    func testStoresStartingTogetherAllGetTheFirstSecret() throws { try checkStoresStartingTogetherAllGetTheFirstSecret() }

    nonisolated(unsafe) static var databases = 0

    /// A new empty database on the test server; its URL.
    static func freshDatabase() throws -> PostgresURL {
        let server = try TestPostgresServer.get()
        databases += 1
        let name = "contract_\(getpid())_\(databases)"
        let admin = try PostgresConnection(url: PostgresURL(server.socketURL))
        try admin.execute("CREATE DATABASE \(name)")
        return try PostgresURL("postgresql://shetphone@/\(name)?host=\(server.folder)&port=\(server.port)")
    }
}
