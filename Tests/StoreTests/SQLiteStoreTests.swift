import CSQLite
import Glibc
import Logging
@testable import Store
import XCTest

/// The SQLite store against real files in a temporary folder.
final class SQLiteStoreTests: XCTestCase {
    var folder = ""
    let logger = Logger(label: "test")

    override func setUp() {
        var template = Array("/tmp/shetphone-store-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    override func tearDown() {
        _ = system("rm -rf '\(folder)'")
    }

    var path: String { folder + "/shetphone.db" }

    /// Waits for a store completion (tests only; the app never waits).
    func wait<T>(_ start: (@escaping StoreCompletion<T>) -> Void) throws -> T {
        let done = expectation(description: "store")
        var result: Result<T, StoreError>?
        start { result = $0; done.fulfill() }
        wait(for: [done], timeout: 10)
        return try XCTUnwrap(result).get()
    }

    func testNewDatabaseGetsEveryMigrationAndWAL() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        XCTAssertEqual(store.applied.map(\.version), Array(1...SQLiteStore.latestSchemaVersion))
        store.close()
        let again = try SQLiteStore(path: path, logger: logger)
        XCTAssertEqual(again.applied.count, 0, "a current database is not migrated again")
        again.close()
        let connection = try SQLiteConnection(path: path)
        XCTAssertEqual(try connection.statement("PRAGMA journal_mode").first { $0.text(0) }, "wal")
    }

    func testDatabaseFromANewerShetphoneIsRefused() throws {
        try SQLiteStore(path: path, logger: logger).close()
        try SQLiteConnection(path: path).execute("PRAGMA user_version = 999")
        XCTAssertThrowsError(try SQLiteStore(path: path, logger: logger)) { error in
            let storeError = error as? StoreError
            XCTAssertEqual(storeError?.kind, .schemaTooNew)
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("999"), "\(error)")
        }
    }

    func testFileThatIsNotADatabaseIsRefusedNamingIt() throws {
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        let junk = Array(repeating: UInt8(ascii: "x"), count: 8192)
        _ = junk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        XCTAssertThrowsError(try SQLiteStore(path: path, logger: logger)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .corrupt)
            XCTAssertTrue("\(error)".hasPrefix(path + ":"), "\(error)")
        }
    }

    func testOtherProgramsDatabaseIsRefused() throws {
        let connection = try SQLiteConnection(path: path)
        try connection.execute("CREATE TABLE notes (x); PRAGMA user_version = 3")
        XCTAssertThrowsError(try SQLiteStore(path: path, logger: logger)) { error in
            XCTAssertTrue("\(error)".contains("not a Shetphone database"), "\(error)")
        }
    }

    func testSessionsSurviveReopening() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        let session = StoredSession(key: String(repeating: "a", count: 64), user: "alice", csrfToken: "t", createdAt: 10, lastSeen: 20)
        let other = StoredSession(key: String(repeating: "b", count: 64), user: "bob", csrfToken: "u", createdAt: 10, lastSeen: 20)
        try wait { store.sessions.save(session, then: $0) }
        try wait { store.sessions.save(other, then: $0) }
        try wait { store.sessions.touch([(key: session.key, at: 99), (key: other.key, at: 5)], then: $0) }
        try wait { store.sessions.delete(keys: [other.key], then: $0) }
        store.close()
        let reopened = try SQLiteStore(path: path, logger: logger)
        defer { reopened.close() }
        var expected = session
        expected.lastSeen = 99
        XCTAssertEqual(try reopened.sessions.loadAll(), [expected])
    }

    func testGroupCommitAnswersEveryWriteAndKeepsThemAll() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        let count = 3000
        let done = expectation(description: "all")
        done.expectedFulfillmentCount = count
        for index in 0..<count {
            store.calls.merge(CallUpdate(callSid: "CA\(index)", direction: .incoming, ourNumber: "+15005550006", at: index)) { result in
                if case .success = result { done.fulfill() }
            }
        }
        wait(for: [done], timeout: 30)
        store.close()
        let connection = try SQLiteConnection(path: path)
        XCTAssertEqual(try connection.integer("SELECT count(*) FROM calls"), count)
    }

    func testAFailingJobRollsBackAloneInItsBatch() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        defer { store.close() }
        let writer = Mirror(reflecting: store).descendant("writer") as! StoreWriter
        let done = expectation(description: "both")
        done.expectedFulfillmentCount = 3
        var outcomes: [String: Bool] = [:]
        writer.write({ db in try db.execute("INSERT INTO call_seen (user, seen_at) VALUES ('a', 1)") }) { outcomes["first"] = (try? $0.get()) != nil; done.fulfill() }
        writer.write({ db in
            try db.execute("INSERT INTO call_seen (user, seen_at) VALUES ('b', 1)")
            try db.execute("INSERT INTO call_seen (user, seen_at) VALUES ('a', 2)")  // unique violation
        }) { outcomes["second"] = (try? $0.get()) != nil; done.fulfill() }
        writer.write({ db in try db.execute("INSERT INTO call_seen (user, seen_at) VALUES ('c', 1)") }) { outcomes["third"] = (try? $0.get()) != nil; done.fulfill() }
        wait(for: [done], timeout: 10)
        XCTAssertEqual(outcomes, ["first": true, "second": false, "third": true])
        let users = try writer.writeAndWait { db in try db.statement("SELECT user FROM call_seen ORDER BY user").rows { $0.text(0) } }
        XCTAssertEqual(users, ["a", "c"], "the failed job's first insert was rolled back with it")
    }

    func testMergeReturnsTheStoredRecordAndRereadsIt() throws {
        let store = try SQLiteStore(path: path, logger: logger)
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

    func testUsersSeeOnlyTheirNumbersAndTheirOwnOutgoingCalls() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        defer { store.close() }
        let updates = [
            CallUpdate(callSid: "CA-in-a", direction: .incoming, ourNumber: "+15005550006", otherParty: "+1", at: 1),
            CallUpdate(callSid: "CA-in-b", direction: .incoming, ourNumber: "+15005550007", otherParty: "+2", at: 2),
            CallUpdate(callSid: "CA-out-a", direction: .outgoing, ourNumber: "+15005550006", otherParty: "+3", user: "alice", at: 3),
            CallUpdate(callSid: "CA-out-c", direction: .outgoing, ourNumber: "+15005550006", otherParty: "+4", user: "carol", at: 4),
        ]
        for update in updates { _ = try wait { store.calls.merge(update, then: $0) } }
        let alice = try wait { store.calls.page(CallQuery(user: "alice", numbers: ["+15005550006"]), then: $0) }
        XCTAssertEqual(alice.calls.map(\.sid), ["CA-out-a", "CA-in-a"])
        let bob = try wait { store.calls.page(CallQuery(user: "bob", numbers: ["+15005550007"]), then: $0) }
        XCTAssertEqual(bob.calls.map(\.sid), ["CA-in-b"])
        let nobody = try wait { store.calls.page(CallQuery(user: "dave", numbers: []), then: $0) }
        XCTAssertEqual(nobody.calls, [])
    }

    func testPagingSearchMissedAndSeen() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        defer { store.close() }
        let number = "+15005550006"
        for index in 0..<25 {
            var update = CallUpdate(callSid: "CA\(index)", direction: .incoming, ourNumber: number,
                                    otherParty: "+4420712345\(String(format: "%02d", index))",
                                    callerName: index == 7 ? "Acme Plumbing" : nil, usersRung: ["alice"], at: 1_000 * index)
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

        let digits = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], digits: "(0)20 7123-4512"), then: $0) }
        XCTAssertEqual(digits.calls.map(\.sid), [])
        let digits2 = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], digits: "20 7123 4512"), then: $0) }
        XCTAssertEqual(digits2.calls.map(\.sid), ["CA12"])
        let name = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], text: "plumb"), then: $0) }
        XCTAssertEqual(name.calls.map(\.sid), ["CA7"])
        let missed = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], missedOnly: true), then: $0) }
        XCTAssertEqual(missed.calls.map(\.sid), ["CA20", "CA15", "CA10", "CA5", "CA0"])

        try wait { store.calls.markSeen(user: "alice", at: 12_000, then: $0) }
        let after = try wait { store.calls.page(CallQuery(user: "alice", numbers: [number], limit: 1), then: $0) }
        XCTAssertEqual(after.unseenMissed, 2)
    }

    func testPurgeDeletesOldCallsAndTheirLegs() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        for index in 0..<5000 {
            store.calls.merge(CallUpdate(callSid: "CA\(index)", leg: CallLeg(sid: "L\(index)", status: "ringing"), at: index)) { _ in }
        }
        let deleted = try wait { store.calls.purge(startedBefore: 4500, then: $0) }
        XCTAssertEqual(deleted, 4500)
        store.close()
        let connection = try SQLiteConnection(path: path)
        XCTAssertEqual(try connection.integer("SELECT count(*) FROM calls"), 500)
        XCTAssertEqual(try connection.integer("SELECT count(*) FROM call_legs"), 500)
    }

    func testIntercomCodesAreSingleUseAndStateRoundTrips() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        XCTAssertTrue(try wait { store.intercom.useCode("2580", at: 1, then: $0) })
        XCTAssertFalse(try wait { store.intercom.useCode("2580", at: 2, then: $0) })
        try wait { store.intercom.setGrant(.init(startedAt: 10, until: 70, by: "alice"), then: $0) }
        for at in 0..<5 { try wait { store.intercom.recordOpening(.init(at: at, how: "grant", from: "+1"), keep: 3, then: $0) } }
        store.close()
        let reopened = try SQLiteStore(path: path, logger: logger)
        defer { reopened.close() }
        let state = try reopened.intercom.loadNow(openingLimit: 50)
        XCTAssertEqual(state.grant, .init(startedAt: 10, until: 70, by: "alice"))
        XCTAssertEqual(state.usedCodes, ["2580"])
        XCTAssertEqual(state.openings.map(\.at), [4, 3, 2])
    }

    func testBackupIsAConsistentCopy() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        defer { store.close() }
        for index in 0..<100 { store.calls.merge(CallUpdate(callSid: "CA\(index)", at: index)) { _ in } }
        try store.backup(to: folder + "/copy.db")
        XCTAssertThrowsError(try store.backup(to: folder + "/copy.db"), "an existing file is not overwritten")
        let copy = try SQLiteStore(path: folder + "/copy.db", logger: logger)
        defer { copy.close() }
        XCTAssertEqual(try copy.integrityCheck(), "ok")
        var sids: [String] = []
        try copy.calls.forEachNow { sids.append($0.sid) }
        XCTAssertEqual(sids.count, 100)
    }

    func testInMemoryStoreWorksWithoutReaders() throws {
        let store = try SQLiteStore(path: ":memory:", logger: logger)
        defer { store.close() }
        _ = try wait { store.calls.merge(CallUpdate(callSid: "CA1", direction: .incoming, ourNumber: "+1", at: 1), then: $0) }
        let page = try wait { store.calls.page(CallQuery(user: "a", numbers: ["+1"]), then: $0) }
        XCTAssertEqual(page.calls.count, 1)
    }

    func testCursorTextRoundTripsAndRejectsJunk() {
        XCTAssertEqual(CallCursor(text: CallCursor(startedAt: 17, id: 4).text), CallCursor(startedAt: 17, id: 4))
        for junk in ["", "1", "a.b", "1.2.3", "-1.2", "99999999999999999999.1"] { XCTAssertNil(CallCursor(text: junk), junk) }
    }
}
