/// A block of formatted access-log lines: a loop fills one, hands it whole to the writer, and
/// gets an emptied one back. A plain pointer and two counts (no reference counting, no
/// copy-on-write): exactly one side owns a chunk at a time, and the owner frees it.
struct AccessLogChunk {
    let start: UnsafeMutablePointer<UInt8>
    let capacity: Int
    /// Bytes used, all of them whole lines.
    var count = 0
    var lineCount = 0

    static func allocate(capacity: Int) -> AccessLogChunk {
        AccessLogChunk(start: .allocate(capacity: capacity), capacity: capacity)
    }

    private init(start: UnsafeMutablePointer<UInt8>, capacity: Int) {
        self.start = start
        self.capacity = capacity
    }

    var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: start, count: count) }

    /// The same block, holding nothing.
    func emptied() -> AccessLogChunk { AccessLogChunk(start: start, capacity: capacity) }

    /// A block of `capacity` bytes (at least `count`) holding these lines; this one is freed.
    func moved(toCapacity newCapacity: Int) -> AccessLogChunk {
        var grown = AccessLogChunk.allocate(capacity: max(newCapacity, count))
        grown.start.update(from: start, count: count)
        grown.count = count
        grown.lineCount = lineCount
        free()
        return grown
    }

    func free() { start.deallocate() }
}
