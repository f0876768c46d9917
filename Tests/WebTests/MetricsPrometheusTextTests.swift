import XCTest
@testable import Web

final class MetricsPrometheusTextTests: XCTestCase {
    func testLabelValueEscapesBackslashQuoteAndNewline() {
        XCTAssertEqual(PrometheusText.escapeLabelValue("a\\b\"c\nd"), "a\\\\b\\\"c\\nd")
        XCTAssertEqual(PrometheusText.escapeLabelValue("/status/:room"), "/status/:room")
    }

    func testHelpEscapesBackslashAndNewlineButNotQuotes() {
        XCTAssertEqual(PrometheusText.escapeHelp("say \"hi\"\\\nbye"), "say \"hi\"\\\\\\nbye")
    }

    func testNumbersAreWrittenTheWayGoParsesThem() {
        XCTAssertEqual(PrometheusText.format(3), "3")
        XCTAssertEqual(PrometheusText.format(-2), "-2")
        XCTAssertEqual(PrometheusText.format(0.005), "0.005")
        XCTAssertEqual(PrometheusText.format(2.5), "2.5")
        XCTAssertEqual(PrometheusText.format(.infinity), "+Inf")
        XCTAssertEqual(PrometheusText.format(-.infinity), "-Inf")
        XCTAssertEqual(PrometheusText.format(.nan), "NaN")
        XCTAssertEqual(Double(PrometheusText.format(1e-6)), 1e-6)
    }

    func testFamilyHeaderThenSamplesWithLabels() {
        var text = PrometheusText()
        text.family("app_requests_total", help: "Requests.", type: .counter)
        text.sample("app_requests_total", labels: [("route", "/voice"), ("status", "200")], value: 7)
        text.sample("app_requests_total", value: 1)
        XCTAssertEqual(text.text, """
            # HELP app_requests_total Requests.
            # TYPE app_requests_total counter
            app_requests_total{route="/voice",status="200"} 7
            app_requests_total 1

            """)
    }

    func testHistogramLinesAreCumulativeAndEndWithInfSumAndCount() {
        let histogram = Histogram(upperBounds: [1_000, 10_000], unitsPerExported: 1_000_000)
        histogram.observe(500)
        histogram.observe(1_000)
        histogram.observe(5_000)
        histogram.observe(50_000)
        var text = PrometheusText()
        text.histogram("app_seconds", labels: [("route", "/x")], histogram.snapshot, unitsPerExported: histogram.unitsPerExported)
        XCTAssertEqual(text.text, """
            app_seconds_bucket{route="/x",le="0.001"} 2
            app_seconds_bucket{route="/x",le="0.01"} 3
            app_seconds_bucket{route="/x",le="+Inf"} 4
            app_seconds_sum{route="/x"} 0.0565
            app_seconds_count{route="/x"} 4

            """)
    }

    func testMetricAndLabelNamesFollowTheFormatGrammar() {
        XCTAssertTrue(PrometheusText.isMetricName("shetphone_http_requests_total"))
        XCTAssertTrue(PrometheusText.isMetricName("job:rate5m"))
        XCTAssertFalse(PrometheusText.isMetricName("9lives"))
        XCTAssertFalse(PrometheusText.isMetricName("has-dash"))
        XCTAssertFalse(PrometheusText.isMetricName(""))
        XCTAssertTrue(PrometheusText.isLabelName("route"))
        XCTAssertFalse(PrometheusText.isLabelName("a:b"))
        XCTAssertFalse(PrometheusText.isLabelName("é"))
    }
}
