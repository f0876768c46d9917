import Foundation
import Logging
@testable import Phone
import Store
import XCTest

/// Two instances sharing one store: the login throttle counts together, and a session used on
/// one never ends on the other first. (The PostgreSQL bus that carries the touches is tested in
/// StoreTests; here the instances' `SessionStore`s and `LoginThrottle`s with fake clocks.)
final class SharedLoginStateTests: XCTestCase {
    private let clock = ManualClock()

    private func wait(_ start: (@escaping @Sendable () -> Void) -> Void) {
        let done = expectation(description: "store")
        start { done.fulfill() }
        wait(for: [done], timeout: 30)
    }

    private func shared(_ throttle: LoginThrottle, client: String, user: String, device: String? = nil) -> LoginThrottle.Decision? {
        let done = expectation(description: "shared")
        let box = DecisionBox()
        throttle.checkShared(client: client, user: user, device: device) { box.decision = $0; done.fulfill() }
        wait(for: [done], timeout: 30)
        return box.decision
    }

    func testFailuresSplitAcrossTwoInstancesBlockOnBothButNotTheUsersOwnBrowser() throws {
        let store = try SQLiteStore(path: ":memory:", logger: Logger(label: "test"))
        defer { store.close() }
        let wall: @Sendable () -> Int = { [clock] in Int(clock.now) }
        let first = LoginThrottle(clock: clock.function, records: store.loginFailures, wallClock: wall)
        let second = LoginThrottle(clock: clock.function, records: store.loginFailures, wallClock: wall)
        for _ in 0..<5 {
            for instance in [first, second] {
                XCTAssertEqual(instance.begin(client: "203.0.113.9", user: "alice"), .allowed)
                wait { done in instance.failed(client: "203.0.113.9", user: "alice", then: done) }
            }
        }
        // Each instance alone saw five failures (all free); together ten: 2^4 s to wait.
        XCTAssertEqual(first.begin(client: "203.0.113.9", user: "alice"), .allowed)
        XCTAssertEqual(shared(first, client: "203.0.113.9", user: "alice"), .limited(retryAfterSeconds: 16))
        XCTAssertEqual(shared(second, client: "198.51.100.1", user: "alice"), .limited(retryAfterSeconds: 16),
                       "the name is limited from any address")
        XCTAssertEqual(shared(second, client: "198.51.100.1", user: "alice", device: "nonce-of-alices-laptop"), .allowed,
                       "a browser with alice's device cookie is not blocked by failures from elsewhere")
        XCTAssertEqual(shared(second, client: "203.0.113.9", user: "bob"), .limited(retryAfterSeconds: 16),
                       "the address is limited for any name")
        clock.advance(seconds: 16)
        XCTAssertEqual(shared(second, client: "203.0.113.9", user: "alice"), .allowed)
        wait { done in second.failed(client: "203.0.113.9", user: "alice", then: done) }
        XCTAssertEqual(shared(first, client: "203.0.113.9", user: "alice"), .limited(retryAfterSeconds: 32))
        // A right password on one instance forgives the address and the name on all.
        second.succeeded(client: "203.0.113.9", user: "alice")
        let forgotten = expectation(description: "forgotten")
        store.loginFailures.failures(keys: LoginThrottle.keys(client: "203.0.113.9", user: "alice", device: nil)) { result in
            if case .success(let counts) = result, counts.isEmpty { forgotten.fulfill() }
        }
        wait(for: [forgotten], timeout: 30)
        XCTAssertEqual(shared(first, client: "203.0.113.9", user: "alice"), .allowed)
    }

    func testASessionUsedOnOneInstanceNeverEndsOnAnotherBeforeIt() {
        var settings = SessionStore.Settings()
        settings.idleTimeoutSeconds = 12 * 3600
        settings.persistEverySeconds = 300
        let here = SessionStore(settings: settings, clock: clock.function)
        let there = SessionStore(settings: settings, clock: clock.function)
        let unaware = SessionStore(settings: settings, clock: clock.function)
        let (id, session) = here.create(user: "alice")
        let stored = StoredSession(key: session.key, user: "alice", csrfToken: session.csrfToken,
                                   createdAt: Int(session.createdAt), lastSeen: Int(session.lastSeen))
        there.restore([stored], elsewhere: true)
        unaware.restore([stored], elsewhere: true)

        // Used here after 11 h: that use is stored (and told to the others); one 4 min later is not.
        clock.advance(seconds: 11 * 3600)
        XCTAssertNotNil(here.session(forID: id))
        there.usedElsewhere(key: session.key, at: Int(clock.now))
        clock.advance(seconds: 4 * 60)
        XCTAssertNotNil(here.session(forID: id))

        // 12 h after the stored use: still live here (last used 11 h 57 min ago), so not ended there.
        clock.advance(seconds: 12 * 3600 - 4 * 60 + 60)
        XCTAssertEqual(unaware.removeExpired(), 1, "without the touch the other instance would end it")
        XCTAssertEqual(there.removeExpired(), 0)
        XCTAssertEqual(there.count, 1)
        // Used there now: it slides there from its own use.
        XCTAssertNotNil(there.session(forID: id))
        clock.advance(seconds: 12 * 3600 - 1)
        XCTAssertEqual(there.removeExpired(), 0)
        clock.advance(seconds: 1)
        XCTAssertEqual(there.removeExpired(), 1)
    }
}

private final class DecisionBox: @unchecked Sendable {
    var decision: LoginThrottle.Decision?
}
