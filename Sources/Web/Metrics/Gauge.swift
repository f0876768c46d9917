import Synchronization

/// A number that goes up and down (open connections, open WebSockets). Safe from any thread:
/// one relaxed atomic operation per change.
public final class Gauge: Sendable {
    private let storage = Atomic<Int>(0)

    public init() {}

    public func increment(by amount: Int = 1) { storage.wrappingAdd(amount, ordering: .relaxed) }
    public func decrement(by amount: Int = 1) { storage.wrappingSubtract(amount, ordering: .relaxed) }
    public func set(_ value: Int) { storage.store(value, ordering: .relaxed) }

    public var value: Int { storage.load(ordering: .relaxed) }
}
