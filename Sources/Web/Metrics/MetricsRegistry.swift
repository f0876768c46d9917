/// The metrics a process exports, in the order they were registered, and their rendering in the
/// Prometheus text format (`render()`, served by `MetricsEndpoint`).
///
/// Registering takes a lock and is meant for startup; the metrics it hands out are updated
/// without one (`Counter`, `Gauge`, `Histogram` are atomics; `MetricFamily` caches per thread).
/// Sampled metrics (`sample:`) are read only when someone scrapes, so they cost nothing between.
public final class MetricsRegistry: @unchecked Sendable {
    private typealias Export = @Sendable (inout PrometheusText) -> Void

    private let lock = Mutex()
    private var exports: [(name: String, export: Export)] = []

    public init() {}

    // MARK: Single series

    /// A counter. Its name ends in `_total`, as the format's conventions ask.
    public func counter(_ name: String, help: String) -> Counter {
        let counter = Counter()
        register(name, type: .counter, help: help) { text in text.sample(name, value: counter.value) }
        return counter
    }

    /// A counter read from elsewhere when scraped (CPU seconds from `getrusage`).
    public func counter(_ name: String, help: String, sample: @escaping @Sendable () -> Double) {
        register(name, type: .counter, help: help) { text in text.sample(name, value: sample()) }
    }

    public func gauge(_ name: String, help: String) -> Gauge {
        let gauge = Gauge()
        register(name, type: .gauge, help: help) { text in text.sample(name, value: gauge.value) }
        return gauge
    }

    /// A gauge read from elsewhere when scraped (uptime, sessions, open file descriptors).
    public func gauge(_ name: String, help: String, sample: @escaping @Sendable () -> Double) {
        register(name, type: .gauge, help: help) { text in text.sample(name, value: sample()) }
    }

    /// A histogram; observations are divided by `unitsPerExported` on export (1_000_000: µs as seconds).
    public func histogram(_ name: String, help: String, upperBounds: [Int], unitsPerExported: Double = 1) -> Histogram {
        let histogram = Histogram(upperBounds: upperBounds, unitsPerExported: unitsPerExported)
        register(name, type: .histogram, help: help) { text in
            text.histogram(name, histogram.snapshot, unitsPerExported: histogram.unitsPerExported)
        }
        return histogram
    }

    // MARK: Labelled families

    /// Counters told apart by labels. `labelValues` turns a key into one value per label name.
    public func counters<Key: Hashable & Sendable>(
        _ name: String, help: String, labels: [String], maxSeries: Int = 2_000,
        labelValues: @escaping @Sendable (Key) -> [String]
    ) -> MetricFamily<Key, Counter> {
        let family = MetricFamily<Key, Counter>(name: name, help: help, labelNames: labels, maxSeries: maxSeries,
                                                labelValues: labelValues, makeMetric: { Counter() })
        register(name, type: .counter, help: help) { text in
            for (labels, counter) in family.collect() { text.sample(name, labels: labels, value: counter.value) }
        }
        return family
    }

    /// Histograms told apart by labels (one per route), all with the same buckets.
    public func histograms<Key: Hashable & Sendable>(
        _ name: String, help: String, labels: [String], upperBounds: [Int], unitsPerExported: Double = 1,
        maxSeries: Int = 500, labelValues: @escaping @Sendable (Key) -> [String]
    ) -> MetricFamily<Key, Histogram> {
        // Checked here, once, rather than on a request's first observation.
        _ = Histogram(upperBounds: upperBounds, unitsPerExported: unitsPerExported)
        let family = MetricFamily<Key, Histogram>(
            name: name, help: help, labelNames: labels, maxSeries: maxSeries, labelValues: labelValues,
            makeMetric: { Histogram(upperBounds: upperBounds, unitsPerExported: unitsPerExported) })
        register(name, type: .histogram, help: help) { text in
            for (labels, histogram) in family.collect() {
                text.histogram(name, labels: labels, histogram.snapshot, unitsPerExported: histogram.unitsPerExported)
            }
        }
        return family
    }

    // MARK: Export

    /// Every family in the text format, in registration order.
    public func render() -> String {
        let current = lock.withLock { exports }
        var text = PrometheusText()
        for entry in current { entry.export(&text) }
        return text.text
    }

    /// The names registered so far.
    public var names: [String] { lock.withLock { exports.map(\.name) } }

    /// Names are code, not input: a bad or repeated one is a programming error caught at startup.
    private func register(_ name: String, type: MetricType, help: String, samples: @escaping Export) {
        precondition(PrometheusText.isMetricName(name), "\(name.debugDescription) is not a Prometheus metric name")
        precondition(type != .counter || name.hasSuffix("_total"), "counter \(name) must end in _total")
        lock.withLock {
            precondition(!exports.contains { $0.name == name }, "metric \(name) is registered twice")
            exports.append((name, { text in
                text.family(name, help: help, type: type)
                samples(&text)
            }))
        }
    }
}
