import Synchronization

/// Files in memory by relative path, shared by all loops, bounded by total bytes.
/// Entries are checked against a `stat` by the caller, never trusted blindly: at most once per
/// revalidation interval each (`file(for:now:revalidateMillis:)` says when one is due).
///
/// Changes (`store`, `remove`) take a lock and are rare: a file's first request, an edit on disk.
/// Lookups, on every static request, take no lock: each thread reads its own `Snapshot` of the
/// map, taken again (under the lock) only when the map's generation moved since.
final class StaticFileCache: @unchecked Sendable {
    let maxBytes: Int
    private let lock = Mutex()
    private var files: [String: StaticFile] = [:]
    private var totalBytes = 0
    /// Bumped under the lock with every change to `files`.
    private let generation = Atomic<Int>(0)
    private let snapshots = ThreadLocal { Snapshot() }

    /// One thread's copy of the map (a shared copy-on-write reference, not a copy of the entries)
    /// and the generation it was taken at. Its properties are only ever read into locals or stored
    /// whole, so Swift need not check the accesses at run time.
    private final class Snapshot {
        var generation = -1
        var files: [String: StaticFile] = [:]
    }

    init(maxBytes: Int) {
        self.maxBytes = maxBytes
    }

    var byteCount: Int { lock.withLock { totalBytes } }

    /// The file for `key`, and whether its `stat` is due: it was last checked `revalidateMillis`
    /// or more before `now` (monotonic ms). A due file counts as checked now, so of several loops
    /// asking at once one `stat`s it and the others serve it as it is.
    func file(for key: String, now: UInt64, revalidateMillis: UInt64) -> (file: StaticFile, due: Bool)? {
        let snapshot = snapshots.current
        if snapshot.generation != generation.load(ordering: .acquiring) { refresh(snapshot) }
        let files = snapshot.files
        guard let file = files[key] else { return nil }
        return (file, file.claimCheck(now: now, revalidateMillis: revalidateMillis))
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
        generation.add(1, ordering: .releasing)
    }

    func remove(_ key: String) {
        lock.withLock { removeLocked(key) }
    }

    private func removeLocked(_ key: String) {
        guard let old = files.removeValue(forKey: key) else { return }
        totalBytes -= old.cost
        generation.add(1, ordering: .releasing)
    }

    /// Takes this thread's copy of the map again, with the generation it belongs to.
    @inline(never)
    private func refresh(_ snapshot: Snapshot) {
        lock.lock()
        let files = self.files
        let current = generation.load(ordering: .relaxed)
        lock.unlock()
        snapshot.files = files
        snapshot.generation = current
    }
}
