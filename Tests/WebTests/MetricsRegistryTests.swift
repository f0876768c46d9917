import XCTest
@testable import Web

final class MetricsRegistryTests: XCTestCase {
    private struct Series: Hashable, Sendable {
        let route: String
        let status: Int
    }

    func testFamiliesRenderInRegistrationOrderWithHelpAndType() {
        let registry = MetricsRegistry()
        let requests = registry.counter("app_requests_total", help: "Requests served.")
        let open = registry.gauge("app_open", help: "Open now.")
        requests.increment(by: 3)
        open.increment()
        open.increment()
        open.decrement()
        XCTAssertEqual(registry.render(), """
            # HELP app_requests_total Requests served.
            # TYPE app_requests_total counter
            app_requests_total 3
            # HELP app_open Open now.
            # TYPE app_open gauge
            app_open 1

            """)
    }

    func testLabelledSeriesAreKeptApartAndSortedByLabelValues() {
        let registry = MetricsRegistry()
        let family: MetricFamily<Series, Counter> = registry.counters(
            "app_http_total", help: "By route.", labels: ["route", "status"]) { [$0.route, String($0.status)] }
        family(Series(route: "/voice", status: 200)).increment()
        family(Series(route: "/voice", status: 200)).increment()
        family(Series(route: "/status", status: 403)).increment()
        XCTAssertEqual(registry.render(), """
            # HELP app_http_total By route.
            # TYPE app_http_total counter
            app_http_total{route="/status",status="403"} 1
            app_http_total{route="/voice",status="200"} 2

            """)
    }

    func testSampledGaugeIsReadWhenScraped() {
        let registry = MetricsRegistry()
        let source = Gauge()
        registry.gauge("app_sessions", help: "Sessions.") { Double(source.value) }
        source.set(4)
        XCTAssertTrue(registry.render().contains("\napp_sessions 4\n"))
        source.set(9)
        XCTAssertTrue(registry.render().contains("\napp_sessions 9\n"))
    }

    func testFamilyStopsAddingSeriesAtItsCap() {
        let registry = MetricsRegistry()
        let family: MetricFamily<Int, Counter> = registry.counters(
            "app_capped_total", help: "Capped.", labels: ["n"], maxSeries: 3) { [String($0)] }
        for n in 0..<10 { family(n).increment() }
        XCTAssertEqual(family.seriesCount, 3)
        let samples = registry.render().split(separator: "\n").filter { !$0.hasPrefix("#") }
        XCTAssertEqual(samples, ["app_capped_total{n=\"0\"} 1", "app_capped_total{n=\"1\"} 1", "app_capped_total{n=\"2\"} 1"])
        // Existing series still count once the cap is reached.
        family(1).increment()
        XCTAssertEqual(family(1).value, 2)
    }

    func testLabelledCountersFromManyThreadsAddUpToEveryIncrement() {
        let registry = MetricsRegistry()
        let family: MetricFamily<Series, Counter> = registry.counters(
            "app_threads_total", help: "Threads.", labels: ["route", "status"]) { [$0.route, String($0.status)] }
        let routes = ["/a", "/b", "/c", "/d", "/e"]
        DispatchQueueless.concurrentPerform(4) { thread in
            for i in 0..<40_000 {
                family(Series(route: routes[(i + thread) % routes.count], status: 200 + i % 3)).increment()
            }
        }
        let total = family.collect().reduce(0) { $0 + $1.metric.value }
        XCTAssertEqual(total, 4 * 40_000)
        XCTAssertEqual(family.seriesCount, 15)
    }

    func testHistogramFamilyExportsBucketsPerLabel() {
        let registry = MetricsRegistry()
        let family: MetricFamily<String, Histogram> = registry.histograms(
            "app_seconds", help: "Latency.", labels: ["route"], upperBounds: [1_000], unitsPerExported: 1_000_000) { [$0] }
        family("/voice").observe(200)
        family("/voice").observe(2_000)
        XCTAssertEqual(registry.render(), """
            # HELP app_seconds Latency.
            # TYPE app_seconds histogram
            app_seconds_bucket{route="/voice",le="0.001"} 1
            app_seconds_bucket{route="/voice",le="+Inf"} 2
            app_seconds_sum{route="/voice"} 0.0022
            app_seconds_count{route="/voice"} 2

            """)
    }

    func testProcessMetricsReadTheKernel() {
        let registry = MetricsRegistry()
        ProcessMetrics.register(in: registry)
        let text = registry.render()
        for name in ["process_cpu_seconds_total", "process_resident_memory_bytes", "process_open_fds",
                     "process_max_fds", "process_start_time_seconds"] {
            XCTAssertTrue(text.contains("# TYPE \(name) "), name)
        }
        XCTAssertGreaterThan(ProcessMetrics.residentBytes() ?? 0, 1_000_000)
        XCTAssertGreaterThanOrEqual(ProcessMetrics.openDescriptors() ?? 0, 3)
    }
}
