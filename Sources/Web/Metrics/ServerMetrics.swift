import Glibc

/// The server core's metrics, fed by the `ServerObserver` calls: requests by route, method and
/// status, latency per route, connections and WebSockets (open and total), published messages,
/// uptime. Names start with the application's namespace (`shetphone_http_requests_total`).
///
/// Labels are bounded: `route` is a registered pattern, `static` or `unmatched`, never the raw
/// path; `method` is one of the standard methods or `other`; `status` is a number from 100 to 599.
public final class ServerMetrics: ServerObserver, @unchecked Sendable {
    /// One series of the request counter.
    struct RequestSeries: Hashable, Sendable {
        let route: String
        let method: String
        let status: Int
    }

    /// The two metrics one response updates, found with one lookup in the thread's cache.
    struct RequestMetrics {
        let count: Counter
        let latency: Histogram
    }

    public let registry: MetricsRegistry
    /// Monotonic µs when these metrics started: the uptime's origin.
    public let startedAtMicros: UInt64
    let requests: MetricFamily<RequestSeries, Counter>
    let latency: MetricFamily<String, Histogram>
    public let connectionsOpen: Gauge
    public let connectionsTotal: Counter
    public let webSocketsOpen: Gauge
    public let webSocketsTotal: Counter
    public let messagesPublished: Counter
    public let messagesDelivered: Counter
    private let requestCache = ThreadLocal { SeriesCache<RequestSeries, RequestMetrics>() }

    /// Registers the metrics in `registry`, named `<namespace>_...`.
    public init(registry: MetricsRegistry, namespace: String) {
        precondition(PrometheusText.isMetricName(namespace), "\(namespace.debugDescription) cannot start a metric name")
        self.registry = registry
        let started = monotonicMicros()
        startedAtMicros = started
        registry.gauge("\(namespace)_uptime_seconds", help: "Seconds since the server started.") {
            Double(monotonicMicros() &- started) / 1_000_000
        }
        requests = registry.counters(
            "\(namespace)_http_requests_total", help: "HTTP responses sent, by route pattern, method and status.",
            labels: ["route", "method", "status"]) { series in [series.route, series.method, String(series.status)] }
        latency = registry.histograms(
            "\(namespace)_http_request_duration_seconds",
            help: "Time from a complete request to its response being queued, by route pattern.",
            labels: ["route"], upperBounds: Histogram.latencyMicros, unitsPerExported: 1_000_000) { route in [route] }
        connectionsOpen = registry.gauge("\(namespace)_http_connections_open", help: "Connections open now (HTTP and WebSocket).")
        connectionsTotal = registry.counter("\(namespace)_http_connections_total", help: "Connections accepted.")
        webSocketsOpen = registry.gauge("\(namespace)_websockets_open", help: "WebSockets open now.")
        webSocketsTotal = registry.counter("\(namespace)_websockets_total", help: "WebSockets opened.")
        messagesPublished = registry.counter("\(namespace)_websocket_messages_published_total",
                                             help: "Messages published to WebSocket rooms.")
        messagesDelivered = registry.counter("\(namespace)_websocket_messages_delivered_total",
                                             help: "WebSocket frames queued for subscribers by those publications.")
    }

    /// Seconds since these metrics started.
    public var uptimeSeconds: Double { Double(monotonicMicros() &- startedAtMicros) / 1_000_000 }

    // MARK: ServerObserver

    public func connectionOpened() {
        connectionsTotal.increment()
        connectionsOpen.increment()
    }

    public func connectionClosed() {
        connectionsOpen.decrement()
    }

    public func requestFinished(route: String, method: String, status: Int, micros: Int) {
        let route = route.isEmpty ? "unmatched" : route
        let key = RequestSeries(route: route, method: ServerMetrics.methodLabel(method),
                                status: (100...599).contains(status) ? status : 0)
        let cache = requestCache.current
        let metrics: RequestMetrics
        if let cached = cache.metric(for: key) {
            metrics = cached
        } else {
            metrics = RequestMetrics(count: requests(key), latency: latency(route))
            cache.insert(metrics, for: key)
        }
        metrics.count.increment()
        metrics.latency.observe(micros)
    }

    public func webSocketOpened() {
        webSocketsTotal.increment()
        webSocketsOpen.increment()
    }

    public func webSocketClosed() {
        webSocketsOpen.decrement()
    }

    public func messagePublished(recipients: Int) {
        messagesPublished.increment()
        messagesDelivered.increment(by: max(0, recipients))
    }

    // MARK: Labels

    /// Standard methods keep their name; anything a client made up is `other`, so a client
    /// cannot create series at will.
    static func methodLabel(_ method: String) -> String {
        switch method {
        case "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "CONNECT", "TRACE": return method
        default: return "other"
        }
    }
}
