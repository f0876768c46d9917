import Synchronization

/// A number that only goes up (requests served, logins failed). Safe from any thread: one
/// relaxed atomic add, no lock, so it can sit on the request path.
public final class Counter: Sendable {
    private let storage = Atomic<Int>(0)

    public init() {}

    /// Adds `amount` (0 or more: a counter never goes down, or rate() would see a restart).
    public func increment(by amount: Int = 1) {
        precondition(amount >= 0, "a counter cannot go down (increment by \(amount))")
        storage.wrappingAdd(amount, ordering: .relaxed)
    }

    public var value: Int { storage.load(ordering: .relaxed) }
}
