/// The bytes of queued log lines: one fixed block used as a ring. Bytes are named by offsets that
/// count every byte ever queued; a byte's place is its offset modulo `capacity`. Plain memory,
/// never moved or freed while the writer lives, so a fatal-signal handler can read it.
struct LogRing {
    let start: UnsafeMutablePointer<UInt8>
    let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        start = .allocate(capacity: self.capacity)
    }

    func free() { start.deallocate() }

    /// Copies `bytes` in from `offset` on (the caller has checked that they fit).
    func put(_ bytes: UnsafeRawBufferPointer, at offset: Int) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        let place = offset % capacity
        let first = min(bytes.count, capacity - place)
        (start + place).update(from: base.assumingMemoryBound(to: UInt8.self), count: first)
        if first < bytes.count {
            start.update(from: base.assumingMemoryBound(to: UInt8.self) + first, count: bytes.count - first)
        }
    }

    /// The bytes from offset `from` up to `to` (at most `capacity` apart): one run, or two when
    /// they wrap around the end of the block.
    func runs(from: Int, to: Int) -> (UnsafeRawBufferPointer, UnsafeRawBufferPointer) {
        let place = from % capacity
        let first = min(to - from, capacity - place)
        return (UnsafeRawBufferPointer(start: start + place, count: first),
                UnsafeRawBufferPointer(start: start, count: to - from - first))
    }
}
