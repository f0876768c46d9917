/// Bytes read from one connection and not consumed yet. Consuming moves a start index, so a
/// request answered from the front of a long pipelined buffer costs nothing in proportion to the
/// bytes behind it; the consumed front is dropped only once it outweighs what is left
/// (amortised O(1) per byte).
struct InboundBuffer {
    private var storage: [UInt8] = []
    private var start = 0

    /// Unconsumed bytes.
    var count: Int { storage.count - start }
    var isEmpty: Bool { start == storage.count }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        if start > 0 && start >= storage.count - start {
            storage.removeSubrange(0..<start)
            start = 0
        }
        storage.append(contentsOf: bytes)
    }

    /// Drops `count` bytes from the front.
    mutating func consume(_ count: Int) {
        precondition(count >= 0 && count <= self.count, "consumed more than the buffer holds")
        start += count
        if start == storage.count {
            // A buffer that grew for one big body does not keep its memory for the idle connection.
            storage.removeAll(keepingCapacity: storage.capacity <= 16 * 1024)
            start = 0
        }
    }

    /// Everything unconsumed, and the buffer emptied (for the protocol taking over after an upgrade).
    mutating func takeAll() -> [UInt8] {
        let rest = Array(storage[start...])
        storage = []
        start = 0
        return rest
    }

    mutating func removeAll() {
        storage = []
        start = 0
    }

    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R {
        storage.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0[start...])) }
    }
}
