import XCTest
@testable import Web

final class MetricsEndpointTests: XCTestCase {
    private func endpoint() throws -> MetricsEndpoint {
        let registry = MetricsRegistry()
        registry.counter("app_hits_total", help: "Hits.").increment()
        return MetricsEndpoint(registry: registry, allowed: try TrustedProxies(["127.0.0.1", "::1", "10.1.0.0/16"]))
    }

    private func request(peer: String, trusted: Bool, forwardedFor: String? = nil) -> Request {
        var headers = HTTPHeaders()
        headers.add("Host", "phone.example")
        if let forwardedFor { headers.add("X-Forwarded-For", forwardedFor) }
        let origin = RequestOrigin(peerAddress: peer, peerIsTrustedProxy: trusted, headers: headers,
                                   proxies: TrustedProxies())
        return Request(method: "GET", target: "/metrics", path: "/metrics", query: "", headers: headers, origin: origin)
    }

    func testAllowedClientGetsTheTextFormat() throws {
        let response = try endpoint().respond(to: request(peer: "127.0.0.1", trusted: false))
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.headers["Content-Type"], "text/plain; version=0.0.4; charset=utf-8")
        XCTAssertTrue(String(decoding: response.body, as: UTF8.self).contains("\napp_hits_total 1\n"))
    }

    func testAddressInAnAllowedRangeIsServed() throws {
        XCTAssertEqual(try endpoint().respond(to: request(peer: "10.1.200.3", trusted: false)).status, .ok)
    }

    func testOutsideClientThroughTheProxyIsRefused() throws {
        // NGINX on the Unix socket is trusted; the client it names is not in the allow-list.
        let response = try endpoint().respond(to: request(peer: "unix", trusted: true, forwardedFor: "203.0.113.9"))
        XCTAssertEqual(response.status, .forbidden)
        XCTAssertFalse(String(decoding: response.body, as: UTF8.self).contains("app_hits_total"))
    }

    func testLocalClientThroughTheProxyIsServed() throws {
        let response = try endpoint().respond(to: request(peer: "unix", trusted: true, forwardedFor: "127.0.0.1"))
        XCTAssertEqual(response.status, .ok)
    }

    func testForgedForwardedForFromAnUntrustedPeerIsIgnored() throws {
        let response = try endpoint().respond(to: request(peer: "203.0.113.9", trusted: false, forwardedFor: "127.0.0.1"))
        XCTAssertEqual(response.status, .forbidden)
    }

    func testUnixPeerWithoutForwardedForIsRefused() throws {
        XCTAssertEqual(try endpoint().respond(to: request(peer: "unix", trusted: true)).status, .forbidden)
    }
}
