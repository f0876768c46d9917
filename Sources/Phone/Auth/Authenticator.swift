import Web

/// Checks user name and password against the `.htpasswd` file on a `WorkerPool`, never on an
/// event loop: a bcrypt check takes tens of milliseconds, which would stall every socket of a loop.
public final class Authenticator: @unchecked Sendable {
    public let htpasswd: HtpasswdFile
    private let workers: WorkerPool
    private let refreshLock = Mutex()
    private var refreshQueued = false

    /// Longer passwords are refused without hashing (libcrypt's own limit is 511 bytes), so a
    /// megabyte "password" costs nothing.
    public static let maxPasswordBytes = 1024

    public init(htpasswd: HtpasswdFile, workers: WorkerPool) {
        self.htpasswd = htpasswd
        self.workers = workers
        // The first unknown-user check would otherwise also pay for making the dummy hash.
        workers.submit { _ = htpasswd.dummyHash() }
    }

    /// Checks on a worker thread and calls `completion` there with the verdict.
    /// Returns false, without calling `completion`, when the pool's queue is full (answer 503).
    @discardableResult
    public func verify(user: String, password: String, completion: @escaping @Sendable (Bool) -> Void) -> Bool {
        workers.submit { [self] in completion(verifyNow(user: user, password: password)) }
    }

    /// True when `user` is still in the file, from what was last read: no disk I/O, so it is safe
    /// on an event loop. When the last read is over a second old, a re-read is queued on the pool,
    /// so removing a user from the file ends their access within about a second.
    public func knows(_ user: String) -> Bool {
        if htpasswd.isCheckDue {
            let queue = refreshLock.withLock {
                defer { refreshQueued = true }
                return !refreshQueued
            }
            if queue {
                let queued = workers.submit { [self] in
                    htpasswd.reloadIfDue()
                    refreshLock.withLock { refreshQueued = false }
                }
                if !queued { refreshLock.withLock { refreshQueued = false } }
            }
        }
        return htpasswd.contains(user)
    }

    /// The check itself, on the calling thread. Slow by design: not on an event loop.
    /// Every failure takes at least as long as the slowest hash in the file: an unknown user's
    /// password is checked against a dummy of the slowest family, and a wrong password for a
    /// user with a faster hash (apr1 beside bcrypt) is padded with the same dummy check.
    public func verifyNow(user: String, password: String) -> Bool {
        guard password.utf8.count <= Authenticator.maxPasswordBytes, !user.isEmpty,
              user.utf8.count <= HtpasswdContents.maxUserBytes else { return false }
        let padding = htpasswd.dummyHash()
        if let hash = htpasswd.hash(for: user) {
            if hash.verify(password) { return true }
            if hash.family != padding.family { _ = padding.verify(password) }
            return false
        }
        _ = padding.verify(password)
        return false
    }
}
