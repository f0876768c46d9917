import XCTest
@testable import Phone
import Store

/// `GrantCodeThrottle`: wrong grant codes per address and window, counted in the store.
final class IntercomGrantThrottleTests: XCTestCase {
    private func admit(_ throttle: GrantCodeThrottle, _ client: String) throws -> GrantCodeThrottle.Decision {
        let box = WaitBox<Result<GrantCodeThrottle.Decision, StoreError>>()
        throttle.admit(client: client) { box.put($0) }
        return try box.take().get()
    }

    func testFiveAttemptsPerWindowThenWaitUntilItEnds() throws {
        let fixture = try IntercomFixture()
        let clock = SecondsClock(1_000)
        let throttle = GrantCodeThrottle(records: fixture.store.intercom, maxFailures: 5, windowSeconds: 900, clock: clock.function)
        for _ in 1...5 { XCTAssertEqual(try admit(throttle, "192.0.2.1"), .allowed) }
        XCTAssertEqual(try admit(throttle, "192.0.2.1"), .limited(retryAfterSeconds: 900))
        clock.advance(899)
        XCTAssertEqual(try admit(throttle, "192.0.2.1"), .limited(retryAfterSeconds: 1))
        XCTAssertEqual(try admit(throttle, "192.0.2.2"), .allowed, "other addresses are not affected")
        clock.advance(1)
        XCTAssertEqual(try admit(throttle, "192.0.2.1"), .allowed)
    }

    func testTwoInstancesOnOneStoreCountTogether() throws {
        let fixture = try IntercomFixture()
        let clock = SecondsClock(1_000)
        let first = GrantCodeThrottle(records: fixture.store.intercom, maxFailures: 4, clock: clock.function)
        let second = GrantCodeThrottle(records: fixture.store.intercom, maxFailures: 4, clock: clock.function)
        XCTAssertEqual(try admit(first, "192.0.2.1"), .allowed)
        XCTAssertEqual(try admit(second, "192.0.2.1"), .allowed)
        XCTAssertEqual(try admit(first, "192.0.2.1"), .allowed)
        XCTAssertEqual(try admit(second, "192.0.2.1"), .allowed)
        XCTAssertEqual(try admit(first, "192.0.2.1"), .limited(retryAfterSeconds: 900))
        XCTAssertEqual(try admit(second, "192.0.2.1"), .limited(retryAfterSeconds: 900))
    }

    func testARightCodeForgivesTheAddress() throws {
        let fixture = try IntercomFixture()
        let throttle = GrantCodeThrottle(records: fixture.store.intercom, maxFailures: 2, clock: SecondsClock(1_000).function)
        XCTAssertEqual(try admit(throttle, "192.0.2.1"), .allowed)
        throttle.succeeded(client: "192.0.2.1")
        XCTAssertEqual(try admit(throttle, "192.0.2.1"), .allowed)
        XCTAssertEqual(try admit(throttle, "192.0.2.1"), .allowed)
        XCTAssertNotEqual(try admit(throttle, "192.0.2.1"), .allowed)
    }

    func testOneIPv6HostCannotDodgeByChangingItsLowBits() throws {
        let fixture = try IntercomFixture()
        let throttle = GrantCodeThrottle(records: fixture.store.intercom, maxFailures: 2, clock: SecondsClock(1_000).function)
        XCTAssertEqual(try admit(throttle, "2001:db8:1:2::1"), .allowed)
        XCTAssertEqual(try admit(throttle, "2001:db8:1:2::2"), .allowed)
        XCTAssertEqual(try admit(throttle, "2001:db8:1:2:ffff::9"), .limited(retryAfterSeconds: 900))
        XCTAssertEqual(try admit(throttle, "2001:db8:1:3::1"), .allowed)
    }
}
