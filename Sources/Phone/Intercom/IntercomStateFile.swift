import Glibc
import Web

/// `intercom-state.json` in `[app] state_dir`, shared by the server and `shetphone grant`.
///
/// Writes go through `AtomicFile` (random exclusive temporary file, fsync, rename): a crash
/// leaves the old state or the new one, and no planted symlink is followed. Changes are made under an exclusive
/// `flock` on `intercom-state.json.lock`, so the server and the CLI never overwrite each
/// other's change; the server notices the CLI's changes by the file's `stat` stamp.
public final class IntercomStateFile: @unchecked Sendable {
    public static let fileName = "intercom-state.json"
    /// A state file is a few kilobytes; anything near this is not one.
    static let maximumBytes = 1 << 20

    public let path: String
    public let lockPath: String

    public init(path: String) {
        self.path = path
        lockPath = path + ".lock"
    }

    /// The state file in `directory` (`[app] state_dir`).
    public convenience init(directory: String) {
        self.init(path: AppSettings.join(directory, IntercomStateFile.fileName))
    }

    /// What `stat` says about the file: a rename makes a new inode, so any write shows here.
    public typealias Stamp = FileIdentity

    /// The file's stamp now, or nil when there is no file.
    public func stamp() -> Stamp? { FileIdentity(path: path) }

    /// Creates the lock file now, so a missing or read-only `state_dir` stops the server at
    /// startup instead of failing the first grant.
    public func prepare() throws {
        do { close(try AtomicFile.openLockFile(lockPath)) } catch { throw IntercomStateError(error.description) }
    }

    /// The state on disk; an empty state when there is no file yet.
    public func read() throws -> IntercomState {
        var info = stat()
        if stat(path, &info) != 0 {
            if errno == ENOENT { return IntercomState() }
            throw IntercomStateError("cannot read \(path): \(IntercomStateFile.lastError())")
        }
        guard let bytes = readFileBytes(path, limit: IntercomStateFile.maximumBytes) else {
            throw IntercomStateError("cannot read \(path): \(IntercomStateFile.lastError())")
        }
        do {
            return try IntercomState(jsonBytes: bytes)
        } catch let error as IntercomStateError {
            throw IntercomStateError("\(path): \(error.message)")
        }
    }

    /// Replaces the file atomically with `state` (`AtomicFile`).
    public func write(_ state: IntercomState) throws {
        var text = state.json.text
        text += "\n"
        do { try AtomicFile.write(Array(text.utf8), to: path, mode: 0o600) } catch {
            throw IntercomStateError(error.description)
        }
    }

    /// Runs `body` holding the exclusive lock that the server and `shetphone grant` share.
    public func withLock<T>(_ body: () throws -> T) throws -> T {
        let fd: Int32
        do { fd = try AtomicFile.openLockFile(lockPath) } catch { throw IntercomStateError(error.description) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw IntercomStateError("cannot lock \(lockPath): \(IntercomStateFile.lastError())") }
        }
        defer { flock(fd, LOCK_UN) }
        return try body()
    }

    /// Read, change, write, under the lock. `cached` is the caller's copy and the stamp it was
    /// read at: while the file still has that stamp it is not read again.
    /// Returns the state written and its stamp.
    @discardableResult
    public func update(cached: (IntercomState, Stamp?)? = nil,
                       _ change: (inout IntercomState) throws -> Void) throws -> (IntercomState, Stamp?) {
        try withLock {
            var state: IntercomState
            if let cached, cached.1 == stamp() {
                state = cached.0
            } else {
                state = try read()
            }
            try change(&state)
            try write(state)
            return (state, stamp())
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
