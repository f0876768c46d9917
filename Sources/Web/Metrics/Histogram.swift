/// Counts observations (request durations) into fixed buckets, Prometheus style. Observations
/// are whole numbers in the caller's unit (microseconds, bytes); they are divided by
/// `unitsPerExported` on export (1_000_000: microseconds exported as seconds). Each bucket is its own atomic counter: observing is a short
/// scan of the bounds plus two relaxed adds, with no lock.
public final class Histogram: Sendable {
    /// Upper bounds (inclusive) in the observation unit, strictly increasing; `+Inf` is implied.
    public let upperBounds: [Int]
    /// Bounds and sum are divided by this on export. Dividing (not multiplying by 1e-6) keeps
    /// `le="0.001"` exact instead of `0.0010000000000000002`.
    public let unitsPerExported: Double
    /// Non-cumulative counts: `cells[i]` holds observations in (bound[i-1], bound[i]]; the last is +Inf.
    private let cells: [Counter]
    private let total = Counter()

    /// Request durations from 100 µs to 10 s, in microseconds, exported as seconds.
    public static let latencyMicros = [
        100, 250, 500, 1_000, 2_500, 5_000, 10_000, 25_000, 50_000, 100_000, 250_000, 500_000,
        1_000_000, 2_500_000, 10_000_000,
    ]

    public init(upperBounds: [Int], unitsPerExported: Double = 1) {
        precondition(!upperBounds.isEmpty, "a histogram needs at least one bucket bound")
        precondition(zip(upperBounds, upperBounds.dropFirst()).allSatisfy { $0 < $1 },
                     "histogram bounds \(upperBounds) must be strictly increasing")
        self.upperBounds = upperBounds
        self.unitsPerExported = unitsPerExported
        cells = (0...upperBounds.count).map { _ in Counter() }
    }

    /// Records one observation. Negative values (a clock that stepped back) count as 0.
    public func observe(_ value: Int) {
        let value = max(0, value)
        var index = 0
        while index < upperBounds.count && value > upperBounds[index] { index += 1 }
        cells[index].increment()
        total.increment(by: value)
    }

    /// Cumulative bucket counts, as exported. `count` is the +Inf bucket, so the two always agree
    /// even while other threads observe.
    public var snapshot: HistogramSnapshot {
        // Sum first: an observation racing with us may show in the sum but not yet in a bucket,
        // never the reverse of a bucket counted twice.
        let sum = total.value
        var running = 0
        var cumulative: [Int] = []
        cumulative.reserveCapacity(cells.count)
        for cell in cells {
            running += cell.value
            cumulative.append(running)
        }
        return HistogramSnapshot(upperBounds: upperBounds, cumulativeCounts: cumulative, sum: sum)
    }
}

/// One reading of a `Histogram`: cumulative counts per bound (the last is `+Inf`) and the sum.
public struct HistogramSnapshot: Sendable, Equatable {
    public let upperBounds: [Int]
    /// One more than `upperBounds`: the last entry is the `+Inf` bucket, i.e. the count.
    public let cumulativeCounts: [Int]
    public let sum: Int

    public var count: Int { cumulativeCounts.last ?? 0 }
}
