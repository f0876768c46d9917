import Glibc
import Logging
import Web

/// The live `.htpasswd` file: looked up from worker threads, and re-read when it changes on
/// disk (checked at most once per `recheckInterval`), so `htpasswd -B file bob` needs no restart.
public final class HtpasswdFile: @unchecked Sendable {
    public let path: String
    /// Files larger than this are not read (an `.htpasswd` of 10,000 bcrypt users is ~700 KB).
    public static let maxFileBytes = 16 * 1024 * 1024

    private let logger: Logger
    private let recheckMillis: UInt64
    private let clock: @Sendable () -> UInt64
    private let lock = Mutex()
    private var contents = HtpasswdContents()
    private var stamp: FileIdentity?
    private var lastCheck: UInt64?
    private var lastError: String?
    private var dummy: PasswordHash?

    /// Reads `path` now. A missing or unreadable file is logged, not thrown: the server still
    /// starts (nobody can log in) and picks the file up once it appears.
    /// - Parameter clock: monotonic milliseconds; tests pass their own.
    public init(path: String, logger: Logger, recheckIntervalMillis: UInt64 = 1000,
                clock: @escaping @Sendable () -> UInt64 = { monotonicMillis() }) {
        self.path = path
        self.logger = logger
        self.recheckMillis = recheckIntervalMillis
        self.clock = clock
        lock.withLock { reloadIfChangedLocked(now: clock(), force: true) }
    }

    /// The hash stored for `user`, or nil when there is no usable line for them.
    /// May re-read the file (a stat a second, a read when it changed): call it off the event loops.
    public func hash(for user: String) -> PasswordHash? {
        lock.withLock {
            reloadIfChangedLocked(now: clock(), force: false)
            return contents.hashes[user]
        }
    }

    /// True when `user` had a usable line at the last read. Never touches the disk, so it is
    /// safe on an event loop (sessions of a removed user stop working with it).
    public func contains(_ user: String) -> Bool {
        lock.withLock { contents.hashes[user] != nil }
    }

    /// Users with a usable line at the last read.
    public var userCount: Int { lock.withLock { contents.hashes.count } }

    /// The user names in the file, sorted.
    public var users: [String] { lock.withLock { contents.hashes.keys.sorted() } }

    /// The skipped lines of the last read (for `check-config`).
    public var problems: [HtpasswdContents.Problem] { lock.withLock { contents.problems } }

    /// Why the file could not be read at the last check, or nil when it was read.
    public var readError: String? { lock.withLock { lastError } }

    /// Checks the file now instead of waiting for the next lookup (timers, tests, SIGHUP).
    public func reloadIfChanged() {
        lock.withLock { reloadIfChangedLocked(now: clock(), force: true) }
    }

    /// Checks the file if the last check is older than the interval (does disk I/O when due).
    public func reloadIfDue() {
        lock.withLock { reloadIfChangedLocked(now: clock(), force: false) }
    }

    /// True when the next lookup would look at the disk again. No I/O.
    public var isCheckDue: Bool {
        let now = clock()
        return lock.withLock { lastCheck.map { now &- $0 >= recheckMillis } ?? true }
    }

    /// A hash of a random password in the family most users have. Checking a password for an
    /// unknown user against it takes as long as for a real one. Made once per family change.
    public func dummyHash() -> PasswordHash {
        let (model, cached) = lock.withLock { (contents.slowestHash, dummy) }
        if let cached, cached.family == (model?.family ?? cached.family) { return cached }
        // Made outside the lock: a bcrypt cost 12 hash takes ~250 ms, lookups must not wait on it.
        let made = PasswordHash.dummy(like: model)
        lock.withLock { dummy = made }
        return made
    }

    private func reloadIfChangedLocked(now: UInt64, force: Bool) {
        if !force, let lastCheck, now &- lastCheck < recheckMillis { return }
        lastCheck = now

        var info = stat()
        guard stat(path, &info) == 0 else {
            let error = "\(path): cannot read the htpasswd file: \(String(cString: strerror(errno)))"
            replace(with: HtpasswdContents(), stamp: nil, error: error)
            return
        }
        let current = FileIdentity(info)
        if current == stamp, lastError == nil { return }

        switch HtpasswdFile.read(path: path) {
        case .success(let (bytes, readStamp)):
            let parsed = HtpasswdContents(bytes: bytes)
            replace(with: parsed, stamp: readStamp, error: nil)
            for problem in parsed.problems {
                logger.warning("\(path):\(problem.line): \(problem.message)")
            }
            logger.info("\(path): \(parsed.hashes.count) user(s) loaded")
            if let renamings = ClientIdentity.renamings(Array(parsed.hashes.keys)) {
                logger.notice("\(path): Twilio client identities (letters, digits, _): \(renamings)")
            }
            // DES reads 8 characters of a password and {SHA} has no salt: both fall to a laptop.
            let weak = parsed.hashes.filter { $0.value.scheme == .desCrypt || $0.value.scheme == .sha1 }.keys.sorted()
            if !weak.isEmpty {
                let names = weak.prefix(5).joined(separator: ", ") + (weak.count > 5 ? " and \(weak.count - 5) more" : "")
                logger.notice("\(path): weak DES or {SHA} hashes for \(names); set new passwords with htpasswd -B or shetphone passwd")
            }
        case .failure(let error):
            replace(with: HtpasswdContents(), stamp: nil, error: error.description)
        }
    }

    private func replace(with newContents: HtpasswdContents, stamp newStamp: FileIdentity?, error: String?) {
        if let error, error != lastError {
            // Logged once per distinct error, not once a second while the file stays missing.
            logger.error("\(error); nobody can log in until it is fixed")
        }
        lastError = error
        contents = newContents
        stamp = newStamp
    }

    static func read(path: String) -> Result<([UInt8], FileIdentity), HtpasswdError> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(.system(path: path, action: "open", errno: errno)) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .failure(.system(path: path, action: "stat", errno: errno)) }
        guard info.st_mode & S_IFMT == S_IFREG else { return .failure(.notRegularFile(path: path)) }
        guard info.st_size <= maxFileBytes else {
            return .failure(.tooLarge(path: path, bytes: Int(info.st_size), limit: maxFileBytes))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return .failure(.system(path: path, action: "read", errno: errno))
            }
            if count == 0 { break }
            bytes += chunk[0..<count]
            if bytes.count > maxFileBytes {
                return .failure(.tooLarge(path: path, bytes: bytes.count, limit: maxFileBytes))
            }
        }
        return .success((bytes, FileIdentity(info)))
    }
}
