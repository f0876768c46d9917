/// Compressors for messages sent without context takeover, shared by every socket and thread.
///
/// Such a message starts from an empty window, so the compressor that made it need not stay
/// with its socket: a few reset deflaters (about 256 KiB each) serve every connection, and an
/// idle socket holds none.
final class DeflaterPool: @unchecked Sendable {
    static let shared = DeflaterPool()

    struct Key: Hashable {
        var windowBits: Int
        var level: Int32
        var memoryLevel: Int32
    }

    private let lock = Mutex()
    private var idle: [Key: [Deflater]] = [:]
    /// Kept per key; more than this in use at once are made and freed on the spot.
    private let maxIdlePerKey = 4

    /// Compresses one message from an empty window.
    func compress(_ input: UnsafeRawBufferPointer, key: Key) -> [UInt8]? {
        let deflater = lock.withLock { idle[key]?.popLast() }
            ?? Deflater(windowBits: key.windowBits, level: key.level, memoryLevel: key.memoryLevel)
        guard let deflater else { return nil }
        let output = deflater.compress(input)
        deflater.reset()
        lock.withLock {
            if idle[key, default: []].count < maxIdlePerKey { idle[key, default: []].append(deflater) }
        }
        return output
    }
}
