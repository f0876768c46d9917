import XCTest
@testable import Web

final class WebSocketHandshakeTests: XCTestCase {
    static let sampleKey = "dGhlIHNhbXBsZSBub25jZQ=="

    static func upgradeRequest(method: String = "GET", version: HTTPVersion = .http1_1,
                               replacing overrides: [(String, String?)] = [], adding extra: [(String, String)] = []) -> Request {
        var fields: [(String, String)] = [
            ("Host", "example.com"), ("Upgrade", "websocket"), ("Connection", "keep-alive, Upgrade"),
            ("Sec-WebSocket-Key", sampleKey), ("Sec-WebSocket-Version", "13"),
        ]
        for (name, value) in overrides {
            fields.removeAll { $0.0 == name }
            if let value { fields.append((name, value)) }
        }
        return Request(method: method, target: "/ws", path: "/ws", query: "", version: version,
                       headers: HTTPHeaders(fields + extra))
    }

    private func refusal(_ request: Request) -> WebSocketHandshake.Refusal? {
        do {
            _ = try WebSocketHandshake.validate(request)
            return nil
        } catch {
            return error as? WebSocketHandshake.Refusal
        }
    }

    func testAcceptValueMatchesRFC6455Example() {
        XCTAssertEqual(WebSocketHandshake.acceptValue(forKey: Self.sampleKey), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    func testValidRequestYieldsItsKey() throws {
        XCTAssertEqual(try WebSocketHandshake.validate(Self.upgradeRequest()), Self.sampleKey)
    }

    func testHeaderTokensAreCaseInsensitive() throws {
        let request = Self.upgradeRequest(replacing: [("Upgrade", "WebSocket"), ("Connection", "UPGRADE")])
        XCTAssertEqual(try WebSocketHandshake.validate(request), Self.sampleKey)
    }

    func testPostIs405WithAllowGet() {
        let refused = refusal(Self.upgradeRequest(method: "POST"))
        XCTAssertEqual(refused?.status, .methodNotAllowed)
        XCTAssertEqual(refused?.response.headers["Allow"], "GET")
    }

    func testHTTP10Is400() {
        XCTAssertEqual(refusal(Self.upgradeRequest(version: .http1_0))?.status, .badRequest)
    }

    func testPlainGetIs426NamingWebSocket() {
        let refused = refusal(Self.upgradeRequest(replacing: [("Upgrade", nil), ("Connection", nil)]))
        XCTAssertEqual(refused?.status, .upgradeRequired)
        XCTAssertEqual(refused?.response.headers["Upgrade"], "websocket")
    }

    func testMissingConnectionUpgradeIs426() {
        XCTAssertEqual(refusal(Self.upgradeRequest(replacing: [("Connection", "keep-alive")]))?.status, .upgradeRequired)
    }

    func testOtherVersionIs426WithVersion13() {
        for version in ["8", "12", "14", ""] {
            let refused = refusal(Self.upgradeRequest(replacing: [("Sec-WebSocket-Version", version)]))
            XCTAssertEqual(refused?.status, .upgradeRequired, version)
            XCTAssertEqual(refused?.response.headers["Sec-WebSocket-Version"], "13")
        }
        XCTAssertEqual(refusal(Self.upgradeRequest(replacing: [("Sec-WebSocket-Version", nil)]))?.status, .upgradeRequired)
    }

    func testBadKeysAre400() {
        for key in ["", "short", "dGhlIHNhbXBsZSBub25jZQ", "dGhlIHNhbXBsZSBub25jZR==", "dGhlIHNhbXBsZSBub25j*Q==",
                    "dGhlIHNhbXBsZSBub25jZQ==dGhl"] {
            XCTAssertEqual(refusal(Self.upgradeRequest(replacing: [("Sec-WebSocket-Key", key)]))?.status, .badRequest, key)
        }
        let twoKeys = Self.upgradeRequest(adding: [("Sec-WebSocket-Key", "AAAAAAAAAAAAAAAAAAAAAA==")])
        XCTAssertEqual(refusal(twoKeys)?.status, .badRequest)
    }

    func testUpgraderAnswers101WithAcceptAndExtensions() {
        let request = Self.upgradeRequest(adding: [("Sec-WebSocket-Extensions", "permessage-deflate; client_max_window_bits"),
                                                   ("Sec-WebSocket-Protocol", "chat, superchat")])
        var configuration = WebSocketConfiguration()
        configuration.subprotocols = ["superchat"]
        let response = WebSocketUpgrader(configuration: configuration).response(to: request, onOpen: { _, _ in })
        XCTAssertEqual(response.status, .switchingProtocols)
        XCTAssertNotNil(response.upgrade)
        XCTAssertEqual(response.headers["Upgrade"], "websocket")
        XCTAssertEqual(response.headers["Connection"], "Upgrade")
        XCTAssertEqual(response.headers["Sec-WebSocket-Accept"], "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        XCTAssertEqual(response.headers["Sec-WebSocket-Extensions"],
                       "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        XCTAssertEqual(response.headers["Sec-WebSocket-Protocol"], "superchat")
    }

    func testUpgraderWithoutCompressionIgnoresTheOffer() {
        let request = Self.upgradeRequest(adding: [("Sec-WebSocket-Extensions", "permessage-deflate")])
        let response = WebSocketUpgrader(configuration: WebSocketConfiguration(compression: nil))
            .response(to: request, onOpen: { _, _ in })
        XCTAssertEqual(response.status, .switchingProtocols)
        XCTAssertNil(response.headers["Sec-WebSocket-Extensions"])
    }

    func testHookRefusesBadOriginBefore101() {
        let request = Self.upgradeRequest(adding: [("Origin", "https://evil.example")])
        let response = WebSocketUpgrader().response(to: request, shouldUpgrade: { request in
            request.headers["Origin"] == "https://phone.example" ? .accept : .refuse(.forbidden, "origin not allowed")
        }, onOpen: { _, _ in XCTFail("must not open") })
        XCTAssertEqual(response.status, .forbidden)
        XCTAssertNil(response.upgrade)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "origin not allowed\n")
    }

    func testHookAcceptAddsHeaders() {
        var extra = HTTPHeaders()
        extra.add("Set-Cookie", "a=b")
        let response = WebSocketUpgrader().response(to: Self.upgradeRequest(), shouldUpgrade: { _ in .accept(headers: extra) },
                                                    onOpen: { _, _ in })
        XCTAssertEqual(response.headers["Set-Cookie"], "a=b")
    }

    func testInvalidHandshakeIsRefusedBeforeTheHookRuns() {
        let request = Self.upgradeRequest(replacing: [("Sec-WebSocket-Version", "8")])
        let response = WebSocketUpgrader().response(to: request, shouldUpgrade: { _ in
            XCTFail("hook must not run")
            return .accept
        }, onOpen: { _, _ in })
        XCTAssertEqual(response.status, .upgradeRequired)
    }
}
