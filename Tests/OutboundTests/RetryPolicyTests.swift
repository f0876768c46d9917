import XCTest
@testable import Outbound

final class RetryPolicyTests: XCTestCase {
    func testBackoffDoublesUpToTheCap() {
        let policy = RetryPolicy(attempts: 6, baseDelayMillis: 500, maxDelayMillis: 3_000)
        XCTAssertEqual((2...6).map { policy.delayMillis(beforeAttempt: $0) }, [500, 1_000, 2_000, 3_000, 3_000])
    }

    func testRetryAfterIsHonouredWithinTheCap() {
        let policy = RetryPolicy(attempts: 3, baseDelayMillis: 500, maxDelayMillis: 8_000)
        XCTAssertEqual(policy.delayMillis(beforeAttempt: 2, retryAfterSeconds: 2), 2_000)
        XCTAssertEqual(policy.delayMillis(beforeAttempt: 2, retryAfterSeconds: 3_600), 8_000)
        XCTAssertEqual(RetryPolicy.retryAfterSeconds(" 7 "), 7)
        XCTAssertNil(RetryPolicy.retryAfterSeconds("Wed, 21 Oct 2015 07:28:00 GMT"))
    }

    func testTooManyRequestsIsRetriedEvenForAPost() {
        let policy = RetryPolicy.standard
        XCTAssertTrue(policy.shouldRetry(afterAttempt: 1, status: 429, error: nil, safeToRepeat: false))
        XCTAssertFalse(policy.shouldRetry(afterAttempt: 1, status: 503, error: nil, safeToRepeat: false))
        XCTAssertTrue(policy.shouldRetry(afterAttempt: 1, status: 503, error: nil, safeToRepeat: true))
    }

    func testClientErrorsAndRefusalsAreNotRetried() {
        let policy = RetryPolicy.standard
        for status in [400, 401, 403, 404, 501] {
            XCTAssertFalse(policy.shouldRetry(afterAttempt: 1, status: status, error: nil, safeToRepeat: true), "\(status)")
        }
        XCTAssertFalse(policy.shouldRetry(afterAttempt: 1, status: nil, error: .tls(url: "u", detail: "d"), safeToRepeat: true))
        XCTAssertTrue(policy.shouldRetry(afterAttempt: 1, status: nil, error: .handshakeFailed(url: "u", detail: "d"), safeToRepeat: true),
                      "a handshake cut short is tried again")
        XCTAssertFalse(policy.shouldRetry(afterAttempt: 1, status: nil, error: .handshakeFailed(url: "u", detail: "d"), safeToRepeat: false))
        XCTAssertTrue(policy.shouldRetry(afterAttempt: 1, status: nil, error: .timedOut(url: "u", seconds: 1), safeToRepeat: true))
        XCTAssertFalse(policy.shouldRetry(afterAttempt: 1, status: nil, error: .timedOut(url: "u", seconds: 1), safeToRepeat: false))
    }

    func testTheLastAttemptAndAStartedStreamEndRetrying() {
        let policy = RetryPolicy(attempts: 2)
        XCTAssertFalse(policy.shouldRetry(afterAttempt: 2, status: 429, error: nil, safeToRepeat: true))
        XCTAssertFalse(policy.shouldRetry(afterAttempt: 1, status: 503, error: nil, safeToRepeat: true, bodyDelivered: true))
    }

    func testSMTPServerURLNamesSchemeAndBracketsIPv6() {
        XCTAssertEqual(SMTPServer(host: "mail.example.com", port: 587, security: .starttls).url, "smtp://mail.example.com:587")
        XCTAssertEqual(SMTPServer(host: "::1", port: 465, security: .tls).url, "smtps://[::1]:465")
    }
}
