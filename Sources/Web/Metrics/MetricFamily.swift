/// Metrics of one name told apart by labels: `http_requests_total{route="/voice",status="200"}`.
///
/// `Key` is a small value naming one series (a struct of route, method and status); the family
/// turns it into label values only when it is exported. Finding the series for a key takes no
/// lock after a thread's first use of that key: each thread keeps its own cache of the shared
/// series, and only a miss takes the family's lock. The number of series is capped
/// (`maxSeries`): keys past the cap are counted in one series that is not exported, so a bug
/// that puts unbounded input in a label cannot eat the memory.
public final class MetricFamily<Key: Hashable & Sendable, Metric: AnyObject & Sendable>: @unchecked Sendable {
    public let name: String
    public let help: String
    public let labelNames: [String]
    public let maxSeries: Int
    private let labelValues: @Sendable (Key) -> [String]
    private let makeMetric: @Sendable () -> Metric
    private let lock = Mutex()
    private var series: [Key: Metric] = [:]
    private let overflow: Metric
    private let cache: ThreadLocal<SeriesCache<Key, Metric>>

    public init(name: String, help: String, labelNames: [String], maxSeries: Int = 2_000,
                labelValues: @escaping @Sendable (Key) -> [String], makeMetric: @escaping @Sendable () -> Metric) {
        precondition(PrometheusText.isMetricName(name), "\(name.debugDescription) is not a Prometheus metric name")
        for label in labelNames {
            precondition(PrometheusText.isLabelName(label) && label != "le" && !label.hasPrefix("__"),
                         "\(label.debugDescription) cannot be a label name")
        }
        self.name = name
        self.help = help
        self.labelNames = labelNames
        self.maxSeries = maxSeries
        self.labelValues = labelValues
        self.makeMetric = makeMetric
        overflow = makeMetric()
        cache = ThreadLocal { SeriesCache() }
    }

    /// The metric of the series `key`, created on first use.
    public func callAsFunction(_ key: Key) -> Metric {
        let cached = cache.current
        if let metric = cached.entries[key] { return metric }
        let metric = lock.withLock { () -> Metric in
            if let existing = series[key] { return existing }
            guard series.count < maxSeries else { return overflow }
            let created = makeMetric()
            series[key] = created
            return created
        }
        // The overflow series is not cached, so a key past the cap never pins memory per thread.
        if metric !== overflow { cached.insert(metric, for: key) }
        return metric
    }

    /// Every series with its label pairs, sorted by label values so the output is stable.
    public func collect() -> [(labels: [(String, String)], metric: Metric)] {
        let all = lock.withLock { Array(series) }
        let labelled = all.map { key, metric -> (values: [String], metric: Metric) in
            let values = labelValues(key)
            precondition(values.count == labelNames.count,
                         "\(name): \(values.count) label values for \(labelNames.count) label names")
            return (values, metric)
        }
        return labelled
            .sorted { $0.values.lexicographicallyPrecedes($1.values) }
            .map { (Array(zip(labelNames, $0.values)), $0.metric) }
    }

    /// How many series exist (the overflow series not included).
    public var seriesCount: Int { lock.withLock { series.count } }
}
