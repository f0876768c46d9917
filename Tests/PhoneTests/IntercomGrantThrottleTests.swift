import XCTest
@testable import Phone

/// `GrantCodeThrottle`: wrong grant codes per address and window, bounded memory.
final class IntercomGrantThrottleTests: XCTestCase {
    func testFiveAttemptsPerWindowThenWaitUntilItEnds() {
        let clock = SecondsClock(1_000)
        let throttle = GrantCodeThrottle(maxFailures: 5, windowSeconds: 900, clock: clock.function)
        for _ in 1...5 { XCTAssertEqual(throttle.admit(client: "192.0.2.1"), .allowed) }
        XCTAssertEqual(throttle.admit(client: "192.0.2.1"), .limited(retryAfterSeconds: 900))
        clock.advance(899)
        XCTAssertEqual(throttle.admit(client: "192.0.2.1"), .limited(retryAfterSeconds: 1))
        XCTAssertEqual(throttle.admit(client: "192.0.2.2"), .allowed, "other addresses are not affected")
        clock.advance(1)
        XCTAssertEqual(throttle.admit(client: "192.0.2.1"), .allowed)
    }

    func testARightCodeForgivesTheAddress() {
        let clock = SecondsClock(1_000)
        let throttle = GrantCodeThrottle(maxFailures: 2, clock: clock.function)
        XCTAssertEqual(throttle.admit(client: "192.0.2.1"), .allowed)
        throttle.succeeded(client: "192.0.2.1")
        XCTAssertEqual(throttle.admit(client: "192.0.2.1"), .allowed)
        XCTAssertEqual(throttle.admit(client: "192.0.2.1"), .allowed)
        XCTAssertNotEqual(throttle.admit(client: "192.0.2.1"), .allowed)
    }

    func testOneIPv6HostCannotDodgeByChangingItsLowBits() {
        let throttle = GrantCodeThrottle(maxFailures: 2, clock: SecondsClock(0).function)
        XCTAssertEqual(throttle.admit(client: "2001:db8:1:2::1"), .allowed)
        XCTAssertEqual(throttle.admit(client: "2001:db8:1:2::2"), .allowed)
        XCTAssertEqual(throttle.admit(client: "2001:db8:1:2:ffff::9"), .limited(retryAfterSeconds: 900))
        XCTAssertEqual(throttle.admit(client: "2001:db8:1:3::1"), .allowed)
    }

    func testMemoryIsBoundedUnderAFloodOfAddresses() {
        let clock = SecondsClock(0)
        let throttle = GrantCodeThrottle(maxFailures: 5, maxEntries: 100, clock: clock.function)
        for i in 0..<1_000 {
            _ = throttle.admit(client: "10.0.\(i / 256).\(i % 256)")
            if i % 100 == 0 { clock.advance(1) }
        }
        XCTAssertLessThanOrEqual(throttle.count, 100)
        // The newest addresses are still counted.
        XCTAssertGreaterThan(throttle.count, 50)
    }
}
