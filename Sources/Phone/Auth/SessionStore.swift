import Web

/// The logged-in sessions, in memory, bounded, keyed by the SHA-256 of their ids.
///
/// Expiry slides: a session lives `idleTimeout` past its last use, but never longer than
/// `maxLifetime` after login. When full, expired sessions go first, then the least recently used.
/// A restart logs everybody out (the ids are not written anywhere).
public final class SessionStore: @unchecked Sendable {
    /// Bounds and lifetimes, with their defaults.
    public struct Settings: Sendable, Equatable {
        /// A session unused this long is gone (12 h).
        public var idleTimeoutSeconds = 12 * 3600
        /// No session outlives this, used or not (7 days): a stolen cookie stops working.
        public var maxLifetimeSeconds = 7 * 24 * 3600
        /// Sessions across all users (10,000). Past it the least recently used one is ended.
        public var maxSessions = 10_000
        /// Sessions of one user (100), so one user's script cannot push everybody else out.
        public var maxSessionsPerUser = 100

        public init() {}
    }

    /// Why a session ended, as passed to `onEnd`.
    public enum EndReason: String, Sendable {
        case logout, expired, evicted, userRemoved
    }

    public let settings: Settings
    /// Called after a session ended, for any reason, outside the store's lock, on whichever
    /// thread ended it: the app publishes the `logout` event to the session's sockets here.
    /// Set it once before serving.
    public var onEnd: (@Sendable (Session, EndReason) -> Void)? {
        get { lock.withLock { endHook } }
        set { lock.withLock { endHook = newValue } }
    }

    private let clock: @Sendable () -> UInt64
    private let lock = Mutex()
    private var sessions: [String: Session] = [:]
    private var endHook: (@Sendable (Session, EndReason) -> Void)?
    private var lastSweep: UInt64 = 0

    public init(settings: Settings = Settings(), clock: @escaping @Sendable () -> UInt64 = { monotonicMillis() }) {
        self.settings = settings
        self.clock = clock
    }

    /// Sessions in the store, expired ones not yet swept included.
    public var count: Int { lock.withLock { sessions.count } }

    /// Starts a session for `user`. The returned id goes into the cookie and nowhere else.
    public func create(user: String) -> (id: String, session: Session) {
        let id = SecureRandom.token()
        let now = clock()
        let session = Session(user: user, key: SessionStore.key(for: id), csrfToken: SecureRandom.token(),
                              createdAt: now, lastSeen: now)
        var ended: [(Session, EndReason)] = []
        lock.withLock {
            let own = sessions.values.filter { $0.user == user }
            if own.count >= settings.maxSessionsPerUser, let oldest = own.min(by: { $0.lastSeen < $1.lastSeen }) {
                sessions[oldest.key] = nil
                ended.append((oldest, .evicted))
            }
            if sessions.count >= settings.maxSessions {
                ended += removeExpiredLocked(now: now)
            }
            if sessions.count >= settings.maxSessions, let oldest = sessions.values.min(by: { $0.lastSeen < $1.lastSeen }) {
                sessions[oldest.key] = nil
                ended.append((oldest, .evicted))
            }
            sessions[session.key] = session
        }
        report(ended)
        return (id, session)
    }

    /// The live session for a cookie value, with its expiry slid forward; nil when the id is
    /// malformed, unknown or expired.
    public func session(forID id: String) -> Session? {
        guard SecureRandom.isToken(id) else { return nil }
        let key = SessionStore.key(for: id)
        let now = clock()
        var expired: Session?
        let live: Session? = lock.withLock {
            guard var session = sessions[key] else { return nil }
            if isExpired(session, now: now) {
                sessions[key] = nil
                expired = session
                return nil
            }
            session.lastSeen = now
            sessions[key] = session
            return session
        }
        if let expired { report([(expired, .expired)]) }
        return live
    }

    /// Ends the session with this id (logout). Returns it, or nil when there was none.
    @discardableResult
    public func destroy(id: String) -> Session? {
        guard SecureRandom.isToken(id) else { return nil }
        let key = SessionStore.key(for: id)
        guard let session = lock.withLock({ sessions.removeValue(forKey: key) }) else { return nil }
        report([(session, .logout)])
        return session
    }

    /// Ends every session of `user` (password changed, user removed from the file).
    @discardableResult
    public func destroyAll(user: String, reason: EndReason = .userRemoved) -> [Session] {
        let ended: [Session] = lock.withLock {
            let mine = sessions.values.filter { $0.user == user }
            for session in mine { sessions[session.key] = nil }
            return mine
        }
        report(ended.map { ($0, reason) })
        return ended
    }

    /// Ends every expired session now; returns how many.
    @discardableResult
    public func removeExpired() -> Int {
        let now = clock()
        let ended = lock.withLock { removeExpiredLocked(now: now) }
        report(ended)
        return ended.count
    }

    /// For an event loop's sweep hook (`loop.addSweep { _ in sessions.sweep() }`): removes the
    /// expired sessions at most every 10 seconds, so their sockets hear `logout` soon after.
    public func sweep() {
        let now = clock()
        let due = lock.withLock {
            guard now &- lastSweep >= 10_000 else { return false }
            lastSweep = now
            return true
        }
        if due { removeExpired() }
    }

    /// Hex SHA-256 of a session id.
    static func key(for id: String) -> String {
        let hex = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in HMAC.sha256Digest(Array(id.utf8)) {
            out.append(hex[Int(byte >> 4)])
            out.append(hex[Int(byte & 15)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    private func isExpired(_ session: Session, now: UInt64) -> Bool {
        now &- session.lastSeen >= UInt64(settings.idleTimeoutSeconds) * 1000
            || now &- session.createdAt >= UInt64(settings.maxLifetimeSeconds) * 1000
    }

    private func removeExpiredLocked(now: UInt64) -> [(Session, EndReason)] {
        let expired = sessions.values.filter { isExpired($0, now: now) }
        for session in expired { sessions[session.key] = nil }
        return expired.map { ($0, .expired) }
    }

    private func report(_ ended: [(Session, EndReason)]) {
        guard !ended.isEmpty, let hook = onEnd else { return }
        for (session, reason) in ended { hook(session, reason) }
    }
}
