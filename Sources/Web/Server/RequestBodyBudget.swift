import Synchronization

/// The request-body bytes the whole server holds in memory at once (`Limits.maxBufferedBodyBytes`),
/// shared by every connection on every loop. A body reserves its bytes before they are buffered and
/// gives them back once its response is written (or its connection closes).
public final class RequestBodyBudget: Sendable {
    public let capacity: Int
    private let used = Atomic<Int>(0)

    public init(capacity: Int) {
        self.capacity = capacity
    }

    /// Bytes reserved now, across the server.
    public var reserved: Int { used.load(ordering: .relaxed) }

    /// Takes `bytes` from the budget; false (and nothing taken) when they do not fit.
    public func reserve(_ bytes: Int) -> Bool {
        guard bytes > 0 else { return true }
        var current = used.load(ordering: .relaxed)
        while true {
            guard current <= capacity - bytes else { return false }
            let (exchanged, original) = used.compareExchange(expected: current, desired: current + bytes, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
    }

    public func release(_ bytes: Int) {
        guard bytes > 0 else { return }
        used.subtract(bytes, ordering: .relaxed)
    }
}
