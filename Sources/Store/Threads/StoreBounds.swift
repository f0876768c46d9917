/// The bounds of the store's queues, the same for both backends.
enum StoreBounds {
    /// Most jobs in one transaction (1,000): a batch stays short for readers and for latency.
    static let maxBatch = 1000
    /// Writes waiting beyond this are refused (20,000), so memory stays bounded under a flood.
    static let maxQueuedWrites = 20_000
    /// Queries waiting beyond this are refused (5,000).
    static let maxQueuedReads = 5000
}
