import Foundation
import XCTest
@testable import Phone

final class LoginThrottleTests: XCTestCase {
    private let clock = ManualClock()

    private func throttle(_ change: (inout LoginThrottle.Settings) -> Void = { _ in }) -> LoginThrottle {
        var settings = LoginThrottle.Settings()
        change(&settings)
        return LoginThrottle(settings: settings, clock: clock.function)
    }

    func testFiveFailuresAreFreeThenTheWaitDoubles() {
        let limiter = throttle()
        for attempt in 1...6 {
            XCTAssertEqual(limiter.begin(client: "10.0.0.1", user: "alice"), .allowed, "attempt \(attempt)")
        }
        // Six failures: one second to wait, then two, four, eight.
        for wait in [1, 2, 4, 8] {
            XCTAssertEqual(limiter.begin(client: "10.0.0.1", user: "alice"), .limited(retryAfterSeconds: wait))
            clock.advance(seconds: Double(wait) - 0.5)
            XCTAssertEqual(limiter.begin(client: "10.0.0.1", user: "alice"), .limited(retryAfterSeconds: 1))
            clock.advance(seconds: 0.5)
            XCTAssertEqual(limiter.begin(client: "10.0.0.1", user: "alice"), .allowed)
        }
    }

    func testTheWaitIsCappedAtFifteenMinutes() {
        let limiter = throttle()
        var longest = 0
        for _ in 0..<40 {
            switch limiter.begin(client: "10.0.0.1", user: "alice") {
            case .allowed: continue
            case .limited(let seconds):
                longest = max(longest, seconds)
                clock.advance(seconds: Double(seconds))
            }
        }
        XCTAssertEqual(longest, 15 * 60)
    }

    func testLimitAppliesPerAddressAcrossUserNames() {
        let limiter = throttle()
        for n in 0..<6 { XCTAssertEqual(limiter.begin(client: "10.0.0.1", user: "user\(n)"), .allowed) }
        XCTAssertEqual(limiter.begin(client: "10.0.0.1", user: "someone-new"), .limited(retryAfterSeconds: 1))
        XCTAssertEqual(limiter.begin(client: "10.0.0.2", user: "someone-new"), .allowed, "another address is free")
    }

    func testLimitAppliesPerUserAcrossAddresses() {
        let limiter = throttle()
        for n in 0..<6 { XCTAssertEqual(limiter.begin(client: "10.0.0.\(n)", user: "alice"), .allowed) }
        XCTAssertEqual(limiter.begin(client: "10.9.9.9", user: "alice"), .limited(retryAfterSeconds: 1))
        XCTAssertEqual(limiter.begin(client: "10.9.9.9", user: "bob"), .allowed)
    }

    func testAKnownDeviceIsNotBlockedByFailuresForItsUserFromElsewhere() {
        let limiter = throttle()
        for n in 1...10 { _ = limiter.begin(client: "10.0.0.\(n)", user: "alice") }
        XCTAssertNotEqual(limiter.begin(client: "10.9.9.9", user: "alice"), .allowed, "the name is blocked without a device")
        XCTAssertEqual(limiter.begin(client: "10.9.9.8", user: "alice", device: "nonce-1"), .allowed)
    }

    func testAKnownDeviceThatKeepsFailingIsBlockedAloneAndTheAddressLimitStays() {
        let limiter = throttle()
        for n in 1...6 { XCTAssertEqual(limiter.begin(client: "10.0.1.\(n)", user: "alice", device: "nonce-1"), .allowed) }
        XCTAssertNotEqual(limiter.begin(client: "10.0.1.9", user: "alice", device: "nonce-1"), .allowed)
        XCTAssertEqual(limiter.begin(client: "10.0.2.1", user: "alice", device: "nonce-2"), .allowed)
        XCTAssertEqual(limiter.begin(client: "10.0.2.2", user: "alice"), .allowed, "the name was never counted")
        for _ in 1...6 { _ = limiter.begin(client: "10.0.3.1", user: "bob", device: "nonce-3") }
        XCTAssertNotEqual(limiter.begin(client: "10.0.3.1", user: "carol", device: "nonce-4"), .allowed, "per-address limit")
    }

    func testSuccessForgivesAddressAndUser() {
        let limiter = throttle()
        for _ in 0..<5 { _ = limiter.begin(client: "10.0.0.1", user: "alice") }
        limiter.succeeded(client: "10.0.0.1", user: "alice")
        for _ in 0..<6 { XCTAssertEqual(limiter.begin(client: "10.0.0.1", user: "alice"), .allowed) }
        XCTAssertEqual(limiter.retryAfter(client: "10.0.0.1", user: "alice"), 1)
    }

    func testQuietHourForgetsFailures() {
        let limiter = throttle()
        for _ in 0..<6 { _ = limiter.begin(client: "10.0.0.1", user: "alice") }
        clock.advance(seconds: 3601)
        for _ in 0..<6 { XCTAssertEqual(limiter.begin(client: "10.0.0.1", user: "alice"), .allowed) }
    }

    func testConcurrentAttemptsCountBeforeTheyFinish() {
        // Fifty guesses at once: only the free ones plus one get through, the rest wait.
        let limiter = throttle()
        let allowed = SharedCounter()
        DispatchQueue.concurrentPerform(iterations: 50) { _ in
            if limiter.begin(client: "10.0.0.1", user: "alice") == .allowed { allowed.increment() }
        }
        XCTAssertEqual(allowed.value, 6)
    }

    func testMemoryIsBoundedByEvictingTheStalest() {
        let limiter = throttle { $0.maxEntries = 100 }
        for _ in 0..<6 { _ = limiter.begin(client: "10.0.0.1", user: "target") }
        for n in 0..<500 {
            clock.advance(seconds: 0.001)
            _ = limiter.begin(client: "10.1.\(n / 256).\(n % 256)", user: "u\(n)")
        }
        XCTAssertLessThanOrEqual(limiter.count, 100)
    }

    func testIPv6ClientsAreCountedPerSlash64() {
        XCTAssertEqual(LoginThrottle.addressKey("2001:db8:1:2:aaaa::1"), "2001:0db8:0001:0002::/64")
        XCTAssertEqual(LoginThrottle.addressKey("2001:db8:1:2:bbbb:cccc:dddd:eeee"), "2001:0db8:0001:0002::/64")
        XCTAssertEqual(LoginThrottle.addressKey("::ffff:192.0.2.7"), "192.0.2.7")
        XCTAssertEqual(LoginThrottle.addressKey("192.0.2.7"), "192.0.2.7")
        XCTAssertEqual(LoginThrottle.addressKey("unix"), "unix")
        let limiter = throttle()
        for n in 0..<6 { _ = limiter.begin(client: "2001:db8::\(n + 1)", user: "u\(n)") }
        XCTAssertEqual(limiter.begin(client: "2001:db8::ffff", user: "other"), .limited(retryAfterSeconds: 1))
    }
}

final class SharedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    var value: Int { lock.withLock { count } }
    func increment() { lock.withLock { count += 1 } }
}
