import Foundation
import XCTest
@testable import Phone

final class SessionStoreTests: XCTestCase {
    private let clock = ManualClock()

    private func store(_ change: (inout SessionStore.Settings) -> Void = { _ in }) -> SessionStore {
        var settings = SessionStore.Settings()
        change(&settings)
        return SessionStore(settings: settings, clock: clock.function)
    }

    func testNewSessionHas256BitIdAndCSRFTokenAndIsFoundByItsId() {
        let sessions = store()
        let (id, session) = sessions.create(user: "alice")
        XCTAssertEqual(id.count, 43, "32 random bytes in base64url")
        XCTAssertTrue(SecureRandom.isToken(id))
        XCTAssertTrue(SecureRandom.isToken(session.csrfToken))
        XCTAssertNotEqual(id, session.csrfToken)
        XCTAssertEqual(sessions.session(forID: id)?.user, "alice")
        XCTAssertNotEqual(sessions.create(user: "alice").id, id)
    }

    func testAClockReadingOlderThanTheLastUseNeverExpiresTheSession() {
        // Two loops: one reads the clock, the other reads a later time and stamps it first.
        let readings = ClockReadings([1_000_000, 1_000_005, 1_000_003, 1_000_004])
        let sessions = SessionStore(clock: readings.function)
        let (id, _) = sessions.create(user: "alice")                  // 1_000_000
        XCTAssertNotNil(sessions.session(forID: id))                   // last use 1_000_005
        XCTAssertNotNil(sessions.session(forID: id), "an older reading is not 584 million years idle")
        XCTAssertNotNil(sessions.session(forID: id))
        XCTAssertEqual(sessions.count, 1)
        XCTAssertEqual(SessionStore.elapsed(3, since: 5), 0)
        XCTAssertEqual(SessionStore.elapsed(5, since: 3), 2)
    }

    func testStoreKeepsOnlyTheSHA256OfTheId() {
        let sessions = store()
        let (id, session) = sessions.create(user: "alice")
        XCTAssertEqual(session.key, SessionStore.key(for: id))
        XCTAssertEqual(session.key.count, 64)
        XCTAssertFalse(session.key.contains(id))
        XCTAssertEqual(session.room, "session:" + session.key)
        // sha256("abc") is a published test vector (FIPS 180-2).
        XCTAssertEqual(SessionStore.key(for: "abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    func testMalformedOrUnknownIdsFindNothing() {
        let sessions = store()
        let (id, _) = sessions.create(user: "alice")
        XCTAssertNil(sessions.session(forID: ""))
        XCTAssertNil(sessions.session(forID: id + "A"))
        XCTAssertNil(sessions.session(forID: String(id.dropLast())))
        XCTAssertNil(sessions.session(forID: String(id.dropLast()) + "!"))
        XCTAssertNil(sessions.session(forID: SecureRandom.token()))
    }

    func testIdleSessionExpires() {
        let sessions = store { $0.idleTimeoutSeconds = 60 }
        let (id, _) = sessions.create(user: "alice")
        clock.advance(seconds: 59)
        XCTAssertNotNil(sessions.session(forID: id))
        clock.advance(seconds: 60)
        XCTAssertNil(sessions.session(forID: id))
        XCTAssertEqual(sessions.count, 0)
    }

    func testUseSlidesTheExpiryUpToTheAbsoluteLifetime() {
        let sessions = store {
            $0.idleTimeoutSeconds = 60
            $0.maxLifetimeSeconds = 300
        }
        let (id, _) = sessions.create(user: "alice")
        for _ in 0..<5 {
            clock.advance(seconds: 50)
            XCTAssertNotNil(sessions.session(forID: id), "used every 50 s, it must stay alive")
        }
        XCTAssertEqual(sessions.session(forID: id)?.lastSeen, clock.now)
        clock.advance(seconds: 50)  // 300 s after login: past the absolute lifetime
        XCTAssertNil(sessions.session(forID: id))
    }

    func testDestroyEndsTheSessionAndReportsLogout() {
        let sessions = store()
        let ended = EndedSessions()
        sessions.onEnd = { ended.append($0, $1) }
        let (id, session) = sessions.create(user: "alice")
        XCTAssertEqual(sessions.destroy(id: id)?.key, session.key)
        XCTAssertNil(sessions.session(forID: id))
        XCTAssertNil(sessions.destroy(id: id), "a second logout finds nothing")
        XCTAssertEqual(ended.all.map(\.0.key), [session.key])
        XCTAssertEqual(ended.all.map(\.1), [.logout])
    }

    func testDestroyAllEndsEverySessionOfOneUser() {
        let sessions = store()
        let ended = EndedSessions()
        sessions.onEnd = { ended.append($0, $1) }
        let a1 = sessions.create(user: "alice").id
        let a2 = sessions.create(user: "alice").id
        let b = sessions.create(user: "bob").id
        XCTAssertEqual(sessions.destroyAll(user: "alice").count, 2)
        XCTAssertNil(sessions.session(forID: a1))
        XCTAssertNil(sessions.session(forID: a2))
        XCTAssertNotNil(sessions.session(forID: b))
        XCTAssertEqual(ended.all.map(\.1), [.userRemoved, .userRemoved])
    }

    func testFullStoreEvictsTheLeastRecentlyUsedSession() {
        let sessions = store { $0.maxSessions = 3 }
        let ended = EndedSessions()
        sessions.onEnd = { ended.append($0, $1) }
        let first = sessions.create(user: "a").id
        clock.advance(seconds: 1)
        let second = sessions.create(user: "b").id
        clock.advance(seconds: 1)
        let third = sessions.create(user: "c").id
        clock.advance(seconds: 1)
        XCTAssertNotNil(sessions.session(forID: first))  // now "second" is the stalest
        let fourth = sessions.create(user: "d").id
        XCTAssertEqual(sessions.count, 3)
        XCTAssertNil(sessions.session(forID: second))
        for id in [first, third, fourth] { XCTAssertNotNil(sessions.session(forID: id)) }
        XCTAssertEqual(ended.all.map(\.0.user), ["b"])
        XCTAssertEqual(ended.all.map(\.1), [.evicted])
    }

    func testFullStoreDropsExpiredSessionsBeforeLiveOnes() {
        let sessions = store {
            $0.maxSessions = 2
            $0.idleTimeoutSeconds = 10
        }
        let old = sessions.create(user: "a").id
        clock.advance(seconds: 8)
        let live = sessions.create(user: "b").id
        clock.advance(seconds: 5)  // "old" is expired now, "live" is not
        _ = sessions.create(user: "c")
        XCTAssertNil(sessions.session(forID: old))
        XCTAssertNotNil(sessions.session(forID: live))
    }

    func testOneUserCannotPushOthersOut() {
        let sessions = store {
            $0.maxSessions = 10
            $0.maxSessionsPerUser = 3
        }
        let bob = sessions.create(user: "bob").id
        var alice: [String] = []
        for _ in 0..<20 {
            clock.advance(seconds: 1)
            alice.append(sessions.create(user: "alice").id)
        }
        XCTAssertNotNil(sessions.session(forID: bob))
        XCTAssertEqual(sessions.count, 4)
        XCTAssertEqual(alice.suffix(3).compactMap { sessions.session(forID: $0) }.count, 3)
        XCTAssertNil(sessions.session(forID: alice[0]))
    }

    func testSweepRemovesExpiredSessionsAndReportsThem() {
        let sessions = store { $0.idleTimeoutSeconds = 60 }
        let ended = EndedSessions()
        sessions.onEnd = { ended.append($0, $1) }
        _ = sessions.create(user: "alice")
        _ = sessions.create(user: "bob")
        clock.advance(seconds: 61)
        sessions.sweep()
        XCTAssertEqual(sessions.count, 0)
        XCTAssertEqual(Set(ended.all.map(\.0.user)), ["alice", "bob"])
        XCTAssertEqual(ended.all.map(\.1), [.expired, .expired])
    }

    func testCSRFTokenIsCheckedExactly() {
        let (_, session) = store().create(user: "alice")
        XCTAssertTrue(session.acceptsCSRFToken(session.csrfToken))
        XCTAssertFalse(session.acceptsCSRFToken(nil))
        XCTAssertFalse(session.acceptsCSRFToken(""))
        XCTAssertFalse(session.acceptsCSRFToken(SecureRandom.token()))
        XCTAssertFalse(session.acceptsCSRFToken(session.csrfToken + "x"))
    }

    func testConcurrentUseFromManyThreadsIsSafe() {
        let sessions = store {
            $0.maxSessions = 1000
            $0.maxSessionsPerUser = 1000
        }
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<200 {
                let (id, _) = sessions.create(user: "user\(worker)")
                XCTAssertEqual(sessions.session(forID: id)?.user, "user\(worker)")
                if round % 2 == 0 { sessions.destroy(id: id) }
            }
        }
        XCTAssertEqual(sessions.count, 8 * 100)
    }
}

final class EndedSessions: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [(Session, SessionStore.EndReason)] = []
    var all: [(Session, SessionStore.EndReason)] { lock.withLock { items } }
    func append(_ session: Session, _ reason: SessionStore.EndReason) { lock.withLock { items.append((session, reason)) } }
}

/// A clock that answers the given readings in order (then the last one forever).
final class ClockReadings: @unchecked Sendable {
    private let lock = NSLock()
    private var readings: [UInt64]
    init(_ readings: [UInt64]) { self.readings = readings }
    var function: @Sendable () -> UInt64 {
        { [self] in lock.withLock { readings.count > 1 ? readings.removeFirst() : readings[0] } }
    }
}
