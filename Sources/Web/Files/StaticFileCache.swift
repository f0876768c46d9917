/// Files in memory by relative path, shared by all loops, bounded by total bytes.
/// Entries are checked against one `stat` per request by the caller, never trusted blindly.
final class StaticFileCache: @unchecked Sendable {
    let maxBytes: Int
    private let lock = Mutex()
    private var files: [String: StaticFile] = [:]
    private var totalBytes = 0

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    var byteCount: Int { lock.withLock { totalBytes } }

    func file(for key: String) -> StaticFile? {
        lock.lock()
        defer { lock.unlock() }
        return files[key]
    }

    /// Stores `file`, evicting other entries until it fits; a file larger than the whole cache is not kept.
    func store(_ file: StaticFile, for key: String) {
        lock.lock()
        defer { lock.unlock() }
        removeLocked(key)
        guard file.cost <= maxBytes else { return }
        while totalBytes + file.cost > maxBytes, let victim = files.keys.first {
            removeLocked(victim)
        }
        files[key] = file
        totalBytes += file.cost
    }

    func remove(_ key: String) {
        lock.withLock { removeLocked(key) }
    }

    private func removeLocked(_ key: String) {
        if let old = files.removeValue(forKey: key) { totalBytes -= old.cost }
    }
}
