import XCTest
@testable import Web

final class MetricsServerObserverTests: XCTestCase {
    private func samples(_ metrics: ServerMetrics, _ prefix: String) -> [String] {
        metrics.registry.render().split(separator: "\n").map(String.init).filter { $0.hasPrefix(prefix) }
    }

    func testRequestsAreCountedByRoutePatternMethodAndStatus() {
        let metrics = ServerMetrics(registry: MetricsRegistry(), namespace: "app")
        metrics.requestFinished(route: "/status/:room", method: "POST", status: 204, micros: 80)
        metrics.requestFinished(route: "/status/:room", method: "POST", status: 204, micros: 120)
        metrics.requestFinished(route: "static", method: "GET", status: 200, micros: 40)
        XCTAssertEqual(samples(metrics, "app_http_requests_total"), [
            "app_http_requests_total{route=\"/status/:room\",method=\"POST\",status=\"204\"} 2",
            "app_http_requests_total{route=\"static\",method=\"GET\",status=\"200\"} 1",
        ])
        XCTAssertTrue(samples(metrics, "app_http_request_duration_seconds_count").contains(
            "app_http_request_duration_seconds_count{route=\"/status/:room\"} 2"))
        XCTAssertTrue(samples(metrics, "app_http_request_duration_seconds_bucket").contains(
            "app_http_request_duration_seconds_bucket{route=\"/status/:room\",le=\"0.0001\"} 1"))
    }

    func testMadeUpMethodsAndMissingRoutesCannotCreateSeries() {
        let metrics = ServerMetrics(registry: MetricsRegistry(), namespace: "app")
        for i in 0..<50 {
            metrics.requestFinished(route: "", method: "BREW\(i)", status: 404, micros: 10)
        }
        metrics.requestFinished(route: "", method: "", status: 400, micros: 0)
        metrics.requestFinished(route: "", method: "GET", status: 1234, micros: 0)
        XCTAssertEqual(samples(metrics, "app_http_requests_total"), [
            "app_http_requests_total{route=\"unmatched\",method=\"GET\",status=\"0\"} 1",
            "app_http_requests_total{route=\"unmatched\",method=\"other\",status=\"400\"} 1",
            "app_http_requests_total{route=\"unmatched\",method=\"other\",status=\"404\"} 50",
        ])
    }

    func testConnectionsAndWebSocketsGoUpAndDown() {
        let metrics = ServerMetrics(registry: MetricsRegistry(), namespace: "app")
        metrics.connectionOpened()
        metrics.connectionOpened()
        metrics.connectionClosed()
        metrics.webSocketOpened()
        metrics.webSocketOpened()
        metrics.webSocketClosed()
        metrics.messagePublished(recipients: 3)
        metrics.messagePublished(recipients: 0)
        XCTAssertEqual(samples(metrics, "app_http_connections"), ["app_http_connections_open 1", "app_http_connections_total 2"])
        XCTAssertEqual(samples(metrics, "app_websockets"), ["app_websockets_open 1", "app_websockets_total 2"])
        XCTAssertEqual(samples(metrics, "app_websocket_messages"), [
            "app_websocket_messages_published_total 2", "app_websocket_messages_delivered_total 3",
        ])
    }

    func testRequestsFromManyLoopsAreAllCountedAndTimed() {
        let metrics = ServerMetrics(registry: MetricsRegistry(), namespace: "app")
        let routes = ["/voice", "/status", "static", ""]
        DispatchQueueless.concurrentPerform(4) { thread in
            for i in 0..<20_000 {
                metrics.requestFinished(route: routes[(i + thread) % 4], method: i % 2 == 0 ? "GET" : "POST",
                                        status: 200, micros: i % 5_000)
            }
        }
        let counted = metrics.requests.collect().reduce(0) { $0 + $1.metric.value }
        let timed = metrics.latency.collect().reduce(0) { $0 + $1.metric.snapshot.count }
        XCTAssertEqual(counted, 80_000)
        XCTAssertEqual(timed, 80_000)
        XCTAssertEqual(metrics.latency.collect().map { $0.labels[0].1 }, ["/status", "/voice", "static", "unmatched"])
    }

    func testUptimeCountsFromCreation() {
        let metrics = ServerMetrics(registry: MetricsRegistry(), namespace: "app")
        XCTAssertGreaterThanOrEqual(metrics.uptimeSeconds, 0)
        XCTAssertLessThan(metrics.uptimeSeconds, 5)
        XCTAssertEqual(samples(metrics, "# TYPE app_uptime_seconds"), ["# TYPE app_uptime_seconds gauge"])
    }
}
