/// Delays between reconnection attempts: 100 ms, doubling, at most 5 s; back to the start after
/// a success. Deterministic, so the listener's state machine is tested with a fake clock.
public struct PostgresBackoff: Equatable, Sendable {
    public let initialMillis: UInt64
    public let maximumMillis: UInt64
    public private(set) var attempt = 0

    public init(initialMillis: UInt64 = 100, maximumMillis: UInt64 = 5_000) {
        self.initialMillis = max(1, initialMillis)
        self.maximumMillis = max(self.initialMillis, maximumMillis)
    }

    /// The delay before the next attempt; each call doubles the following one.
    public mutating func nextDelayMillis() -> UInt64 {
        let shift = min(attempt, 32)
        attempt += 1
        let delay = initialMillis << UInt64(shift)
        return min(delay, maximumMillis)
    }

    public mutating func reset() { attempt = 0 }
}
