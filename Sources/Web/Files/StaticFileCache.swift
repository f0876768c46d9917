/// Files in memory by relative path, shared by all loops, bounded by total bytes.
/// Entries are checked against a `stat` by the caller, never trusted blindly: at most once per
/// revalidation interval each (`file(for:now:revalidateMillis:)` says when one is due).
final class StaticFileCache: @unchecked Sendable {
    let maxBytes: Int
    private let lock = Mutex()
    private var files: [String: StaticFile] = [:]
    private var totalBytes = 0

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    var byteCount: Int { lock.withLock { totalBytes } }

    /// The file for `key`, and whether its `stat` is due: it was last checked `revalidateMillis`
    /// or more before `now` (monotonic ms). A due file counts as checked now, so of several loops
    /// asking at once one `stat`s it and the others serve it as it is.
    func file(for key: String, now: UInt64, revalidateMillis: UInt64) -> (file: StaticFile, due: Bool)? {
        lock.lock()
        defer { lock.unlock() }
        guard let file = files[key] else { return nil }
        let due = revalidateMillis == 0 || (now >= file.checkedAtMillis && now - file.checkedAtMillis >= revalidateMillis)
        guard due else { return (file, false) }
        file.checkedAtMillis = now
        return (file, true)
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
