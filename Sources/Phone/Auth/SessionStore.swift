import Glibc
import Store
import Web

/// The logged-in sessions, in memory, bounded, keyed by the SHA-256 of their ids.
///
/// Expiry slides: a session lives `idleTimeout` past its last use, but never longer than
/// `maxLifetime` after login. When full, expired sessions go first, then the least recently used.
/// With `persistence` (the store) every session is also written there, by the SHA-256 of its id
/// only, so a restart keeps everybody logged in. The sliding expiry does not cost a write per
/// request: the last use is written at most every `persistEverySeconds`.
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
        /// The stored last use moves forward at most this often (5 min): after a restart a
        /// session may expire up to this much earlier than it would have.
        public var persistEverySeconds = 300

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
    /// Where sessions are kept across restarts; nil keeps them in memory only.
    let persistence: SessionRecords?

    /// `clock`: milliseconds; with `persistence` it must be wall-clock based
    /// (`SessionStore.wallClock()`), since stored times outlive the process.
    public init(settings: Settings = Settings(), clock: @escaping @Sendable () -> UInt64 = { monotonicMillis() },
                persistence: SessionRecords? = nil) {
        self.settings = settings
        self.clock = clock
        self.persistence = persistence
    }

    /// Unix milliseconds that never jump while the process runs: the wall clock at start, then
    /// the monotonic clock's progress. Stored session times use it.
    public static func wallClock() -> @Sendable () -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let wall = UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
        let anchor = wall &- monotonicMillis()
        return { anchor &+ monotonicMillis() }
    }

    /// Puts back the sessions the store kept (at start-up); expired ones are deleted from it.
    /// `elsewhere`: they come from other instances sharing the store (see `usedElsewhere`).
    /// A session already here keeps its later use. Returns how many are live.
    @discardableResult
    public func restore(_ stored: [StoredSession], elsewhere: Bool = false) -> Int {
        let now = clock()
        var dead: [String] = []
        let live: Int = lock.withLock {
            for record in stored {
                var session = Session(user: record.user, key: record.key, csrfToken: record.csrfToken,
                                      createdAt: UInt64(max(0, record.createdAt)), lastSeen: UInt64(max(0, record.lastSeen)))
                session.seenElsewhere = elsewhere
                if let here = sessions[session.key], here.lastSeen >= session.lastSeen { continue }
                if isExpired(session, now: now) || (sessions[session.key] == nil && sessions.count >= settings.maxSessions) {
                    sessions[session.key] = nil
                    dead.append(record.key)
                } else {
                    sessions[session.key] = session
                }
            }
            return sessions.count
        }
        if !dead.isEmpty { persistence?.delete(keys: dead) { _ in } }
        return live
    }

    /// Sessions in the store, expired ones not yet swept included.
    public var count: Int { lock.withLock { sessions.count } }

    /// Starts a session for `user`. The returned id goes into the cookie and nowhere else.
    /// `persisted` is called once the store has it (at once without a store), on a store thread.
    public func create(user: String, persisted: (@Sendable (StoreError?) -> Void)? = nil) -> (id: String, session: Session) {
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
        if let persistence {
            let stored = StoredSession(key: session.key, user: user, csrfToken: session.csrfToken,
                                       createdAt: Int(now), lastSeen: Int(now))
            persistence.save(stored) { result in
                if case .failure(let error) = result { persisted?(error) } else { persisted?(nil) }
            }
        } else {
            persisted?(nil)
        }
        return (id, session)
    }

    /// The live session for a cookie value, with its expiry slid forward; nil when the id is
    /// malformed, unknown or expired.
    public func session(forID id: String) -> Session? {
        guard SecureRandom.isToken(id) else { return nil }
        let key = SessionStore.key(for: id)
        let now = clock()
        var expired: Session?
        var due = false
        let persistEvery = UInt64(settings.persistEverySeconds) * 1000
        let live: Session? = lock.withLock {
            guard var session = sessions[key] else { return nil }
            if isExpired(session, now: now) {
                sessions[key] = nil
                expired = session
                return nil
            }
            // Another loop may have stamped a later `now` since this one was read: never move back.
            session.lastSeen = max(session.lastSeen, now)
            session.seenElsewhere = false
            if SessionStore.elapsed(now, since: session.storedLastSeen) >= persistEvery {
                session.storedLastSeen = now
                due = true
            }
            sessions[key] = session
            return session
        }
        if let expired { report([(expired, .expired)]) }
        // A queue push, not a disk write: the store's writer does the rest off this loop.
        if due, let persistence { persistence.touch([(key: key, at: Int(now))]) { _ in } }
        return live
    }

    /// Ends the session with this id (logout). Returns it, or nil when there was none.
    /// `deleted` is called once the store's delete has committed (at once without a store, or
    /// when there was no such session), on a store thread: a logout answered from there stays
    /// a logout across a restart that follows it at once.
    @discardableResult
    public func destroy(id: String, deleted: (@Sendable (StoreError?) -> Void)? = nil) -> Session? {
        guard SecureRandom.isToken(id) else {
            deleted?(nil)
            return nil
        }
        let key = SessionStore.key(for: id)
        guard let session = lock.withLock({ sessions.removeValue(forKey: key) }) else {
            deleted?(nil)
            return nil
        }
        report([(session, .logout)], deleted: deleted)
        return session
    }

    /// The session with this key ended on another instance sharing the store (logout there):
    /// it ends here too, without deleting it from the store again and without `onEnd` (the
    /// other instance's `logout` event reaches this instance's sockets through the bus).
    public func endedElsewhere(key: String) {
        lock.withLock { _ = sessions.removeValue(forKey: key) }
    }

    /// Another instance sharing the store used this session at `at` (Unix ms, the store's
    /// clock): it slides here too. That instance writes a use at most every `persistEverySeconds`,
    /// so here the session lasts that much longer past it: it never ends here (and so, through
    /// the store, everywhere) before it would have ended on the instance that is using it.
    public func usedElsewhere(key: String, at: Int) {
        let at = UInt64(max(0, at))
        lock.withLock {
            guard var session = sessions[key], at > session.lastSeen else { return }
            session.lastSeen = at
            session.storedLastSeen = max(session.storedLastSeen, at)
            session.seenElsewhere = true
            sessions[key] = session
        }
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

    /// Ends every session of the users `isKnown` rejects (taken out of `.htpasswd`); returns how many.
    @discardableResult
    public func removeUnknownUsers(_ isKnown: (String) -> Bool) -> Int {
        let users = lock.withLock { Set(sessions.values.map(\.user)) }
        var count = 0
        for user in users where !isKnown(user) { count += destroyAll(user: user, reason: .userRemoved).count }
        return count
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

    /// Milliseconds from `then` to `now`; 0 when `then` is later. Two loops read the clock before
    /// taking the lock, so a `now` may be a little older than a time another loop just stored:
    /// wrapping around would make a session in use look 584 million years idle.
    static func elapsed(_ now: UInt64, since then: UInt64) -> UInt64 {
        now >= then ? now - then : 0
    }

    private func isExpired(_ session: Session, now: UInt64) -> Bool {
        let idle = UInt64(settings.idleTimeoutSeconds + (session.seenElsewhere ? settings.persistEverySeconds : 0)) * 1000
        // A use stamped by another instance's clock, or by another loop after this `now` was
        // read, may be a little ahead of it.
        return SessionStore.elapsed(now, since: session.lastSeen) >= idle
            || SessionStore.elapsed(now, since: session.createdAt) >= UInt64(settings.maxLifetimeSeconds) * 1000
    }

    private func removeExpiredLocked(now: UInt64) -> [(Session, EndReason)] {
        let expired = sessions.values.filter { isExpired($0, now: now) }
        for session in expired { sessions[session.key] = nil }
        return expired.map { ($0, .expired) }
    }

    private func report(_ ended: [(Session, EndReason)], deleted: (@Sendable (StoreError?) -> Void)? = nil) {
        guard !ended.isEmpty else {
            deleted?(nil)
            return
        }
        if let persistence {
            persistence.delete(keys: ended.map(\.0.key)) { result in
                if case .failure(let error) = result { deleted?(error) } else { deleted?(nil) }
            }
        } else {
            deleted?(nil)
        }
        guard let hook = onEnd else { return }
        for (session, reason) in ended { hook(session, reason) }
    }
}
