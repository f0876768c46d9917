import Logging
import XCTest
@testable import Phone
@testable import Web

/// The one webhook gate, fed `Request` values: what is refused before decoding, the limits,
/// GET, and which key a signature is checked with.
final class TwilioWebhookTests: XCTestCase {
    static let token = "test-auth-token"
    static let sharedKey = "shared-key-secret"
    let gate = TwilioWebhook(authToken: TwilioWebhookTests.token, validates: true, publicURL: "https://phone.example.com",
                             sharedKeys: [TwilioWebhookTests.sharedKey])
    let logger = CapturedLog().logger()

    private func post(_ body: String, signature: String?, settings: String? = nil, contentType: String = "application/x-www-form-urlencoded") -> Request {
        var headers = HTTPHeaders()
        headers.add("Content-Type", contentType)
        if let signature { headers.add("X-Twilio-Signature", signature) }
        if let settings { headers.add(TwilioWebhook.signatureSettingsHeader, settings) }
        return Request(method: "POST", target: "/voice", path: "/voice", query: "", headers: headers, body: Array(body.utf8))
    }

    private func status(_ request: Request) -> Int? {
        if case .failure(let refusal) = gate.verify(request, logger: logger) { return refusal.response.status.code }
        return nil
    }

    func testMissingSignatureIsRefusedBeforeTheBodyIsLookedAt() {
        // A bad escape and a wrong media type would be 400 and 415 if the body were decoded first.
        XCTAssertEqual(status(post("a=%G1", signature: nil)), 403)
        XCTAssertEqual(status(post("{}", signature: nil, contentType: "application/json")), 403)
        XCTAssertEqual(status(post(String(repeating: "a=1&", count: 100_000), signature: nil)), 403)
    }

    func testBodiesOverTheLimitsAre413WhateverTheSignature() {
        XCTAssertEqual(status(post(String(repeating: "x", count: 64 * 1024 + 1), signature: "bm9wZQ==")), 413)
        XCTAssertEqual(status(post(Array(repeating: "a=1", count: 257).joined(separator: "&"), signature: "bm9wZQ==")), 413)
        XCTAssertEqual(status(post(Array(repeating: "a=1", count: 256).joined(separator: "&"), signature: "bm9wZQ==")), 403)
    }

    func testFieldCountIsOneMoreThanTheAmpersands() {
        XCTAssertEqual(TwilioWebhook.fieldCount(Array("".utf8)), 0)
        XCTAssertEqual(TwilioWebhook.fieldCount(Array("a=1".utf8)), 1)
        XCTAssertEqual(TwilioWebhook.fieldCount(Array("a=1&&b".utf8)), 3)
        XCTAssertEqual(TwilioWebhook.fieldCount("&"), 2)
        XCTAssertEqual(TwilioWebhook.fieldCount(Array(repeating: "a=1", count: 5000).joined(separator: "&")), 5000)
    }

    func testAuthTokenSignatureOpensTheGate() throws {
        let form = [("CallSid", "CA1"), ("From", "client:alice")]
        let signature = RequestSignature(authToken: TwilioWebhookTests.token).expected(url: "https://phone.example.com/voice", parameters: form)
        let result = gate.verify(post(URLEncoding.encodeForm(form), signature: signature), logger: logger)
        XCTAssertEqual(try result.get().map { $0.0 + "=" + $0.1 }, ["CallSid=CA1", "From=client:alice"])
    }

    func testGetIsSignedOverTheURLWithItsQueryAndReadsTheQuery() throws {
        let query = "CallSid=CA1&To=%2B15005550006"
        let url = "https://phone.example.com/voice?" + query
        let signature = RequestSignature(authToken: TwilioWebhookTests.token).expected(url: url, parameters: [])
        var headers = HTTPHeaders()
        headers.add("X-Twilio-Signature", signature)
        let request = Request(method: "GET", target: "/voice?" + query, path: "/voice", query: query, headers: headers)
        XCTAssertEqual(try gate.verify(request, logger: logger).get().map { $0.1 }, ["CA1", "+15005550006"])
    }

    func testSettingsHeaderSelectsTheSharedKeyAndItsAlgorithm() throws {
        let form = [("CallSid", "CA1")]
        let body = URLEncoding.encodeForm(form)
        let url = "https://phone.example.com/voice"
        let settings = "key=webhooks_sharedkey_01, algorithm=HMAC_SHA256"
        let shared = RequestSignature(key: TwilioWebhookTests.sharedKey, algorithm: .hmacSHA256).expected(url: url, parameters: form)
        XCTAssertNil(status(post(body, signature: shared, settings: settings)))
        XCTAssertEqual(status(post(body, signature: shared)), 403, "without the header the auth token is the key")
        let token256 = RequestSignature(key: TwilioWebhookTests.token, algorithm: .hmacSHA256).expected(url: url, parameters: form)
        XCTAssertEqual(status(post(body, signature: token256, settings: settings)), 403)
        XCTAssertEqual(status(post(body, signature: shared, settings: "key=webhooks_sharedkey_01")), 403)
        XCTAssertEqual(status(post(body, signature: shared, settings: "algorithm=HMAC_MD5")), 403)
        let sha1 = RequestSignature(key: TwilioWebhookTests.sharedKey, algorithm: .hmacSHA1).expected(url: url, parameters: form)
        XCTAssertNil(status(post(body, signature: sha1, settings: "key=k,algorithm=hmac_sha1")))
    }

    func testSettingsHeaderWithoutConfiguredSharedKeyIsRefused() {
        let plain = TwilioWebhook(authToken: TwilioWebhookTests.token, validates: true, publicURL: "https://phone.example.com")
        XCTAssertThrowsError(try plain.signingKeys(settings: "key=k,algorithm=HMAC_SHA256")) { error in
            XCTAssertTrue((error as? SignatureSettingsError)?.message.contains("webhook_shared_key") == true)
        }
        XCTAssertEqual(try plain.signingKeys(settings: nil).map(\.algorithm), [.hmacSHA1])
        XCTAssertEqual(TwilioWebhook.algorithmName(in: " key = a , algorithm = HMAC_SHA256 "), "HMAC_SHA256")
        XCTAssertNil(TwilioWebhook.algorithmName(in: "key=a,algorithm="))
    }

    func testRefusalsAreCountedByRoute() {
        let metrics = PhoneMetrics()
        var counted = gate
        counted.metrics = metrics
        var request = post("a=1", signature: nil)
        request.route = "/intercom"
        _ = counted.verify(request, logger: logger)
        XCTAssertTrue(metrics.registry.render().contains(#"shetphone_webhooks_rejected_total{route="/intercom",status="403"} 1"#))
    }
}

/// Every way of mounting a webhook carries the gate's body limit and the trailing slash.
final class RouterWebhookTests: XCTestCase {
    func testBothKindsOfWebhookRouteHaveTheLimitAndTheSlash() {
        let router = Router()
        let gate = TwilioWebhook(authToken: "t", validates: true, publicURL: nil)
        let logger = CapturedLog().logger()
        router.webhook("/now", gate: gate, logger: logger) { _, _ in Response(status: .noContent) }
        router.webhook("/later", gate: gate, logger: logger) { _, _, responder in responder.send(Response(status: .noContent)) }
        for target in ["/now", "/now/", "/later", "/later/"] {
            XCTAssertEqual(router.bodyLimit("POST", target), 64 * 1024, target)
            XCTAssertEqual(router.bodyLimit("GET", target + "?a=1"), 64 * 1024, target)
        }
    }
}
