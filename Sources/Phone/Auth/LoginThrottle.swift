import Glibc
import Store
import Web

/// Slows password guessing: per client address and per user name, a few failures are free,
/// then each one doubles the wait before the next try, up to a cap. Success or a quiet spell
/// forgets. Memory is bounded: past `maxEntries` the stalest entries go.
///
/// A browser with a valid device cookie for the user (`DeviceCookie`) is counted by its cookie
/// instead of the user name: failures from elsewhere never block it (OWASP's device cookies).
/// The per-address count applies to everyone.
///
/// Every attempt counts as a failure from the moment it is admitted until `succeeded` clears it:
/// otherwise fifty guesses sent at once would all pass before the first one failed.
///
/// With `records` (the store) the failures are also counted there, by the same keys and the same
/// rule, so instances sharing the store limit together: `checkShared` reads the counts while the
/// password is checked, and `failed` counts a wrong password before it is answered.
public final class LoginThrottle: @unchecked Sendable {
    /// Thresholds and bounds, with their defaults.
    public struct Settings: Sendable, Equatable {
        /// Failures allowed before any wait (5).
        public var freeFailures = 5
        /// Wait after the first failure past the free ones; it doubles with each further one (1 s).
        public var baseDelaySeconds = 1
        /// The longest wait (15 min).
        public var maxDelaySeconds = 15 * 60
        /// An entry with no failure for this long is forgotten (1 h).
        public var forgetAfterSeconds = 3600
        /// Addresses plus user names tracked (10,000).
        public var maxEntries = 10_000

        public init() {}
    }

    /// The answer to "may this login be tried now?".
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Answer 429 with `Retry-After: seconds`.
        case limited(retryAfterSeconds: Int)
    }

    public let settings: Settings
    private let clock: @Sendable () -> UInt64
    /// The counts every instance on the store shares; nil keeps them in this process only.
    private let records: LoginFailureRecords?
    /// Unix milliseconds, for the shared counts (other processes read them).
    private let wallClock: @Sendable () -> Int
    private let lock = Mutex()
    private var entries: [String: Entry] = [:]

    private struct Entry {
        var failures: Int
        var lastFailure: UInt64
        var blockedUntil: UInt64
    }

    public init(settings: Settings = Settings(), clock: @escaping @Sendable () -> UInt64 = { monotonicMillis() },
                records: LoginFailureRecords? = nil, wallClock: @escaping @Sendable () -> Int = LoginThrottle.unixMillis) {
        self.settings = settings
        self.clock = clock
        self.records = records
        self.wallClock = wallClock
    }

    public static func unixMillis() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }

    /// Entries held (addresses plus user names).
    public var count: Int { lock.withLock { entries.count } }

    /// Admits an attempt (and counts it as a failure until `succeeded`), or says how long to wait.
    public func begin(client: String, user: String, device: String? = nil) -> Decision {
        let now = clock()
        let keys = LoginThrottle.keys(client: client, user: user, device: device)
        return lock.withLock {
            var wait: UInt64 = 0
            for key in keys {
                guard let entry = live(key, now: now) else { continue }
                if entry.blockedUntil > now { wait = max(wait, entry.blockedUntil - now) }
            }
            if wait > 0 {
                return .limited(retryAfterSeconds: Int((wait + 999) / 1000))
            }
            for key in keys { recordFailure(key, now: now) }
            return .allowed
        }
    }

    /// The attempt begun for `client` and `user` was right: both are forgiven (here at once,
    /// in the store in the background).
    public func succeeded(client: String, user: String, device: String? = nil) {
        let keys = LoginThrottle.keys(client: client, user: user, device: device)
        lock.withLock {
            for key in keys { entries[key] = nil }
        }
        records?.forget(keys: keys) { _ in }
    }

    /// What the failures counted by every instance say about this attempt, from a store thread.
    /// Without `records`, or when the store cannot be read, `.allowed`: this process's own
    /// count (`begin`) still applies.
    public func checkShared(client: String, user: String, device: String? = nil,
                            then: @escaping @Sendable (Decision) -> Void) {
        guard let records else { return then(.allowed) }
        let keys = LoginThrottle.keys(client: client, user: user, device: device)
        records.failures(keys: keys) { [self] result in
            guard case .success(let counts) = result else { return then(.allowed) }
            let now = wallClock()
            let forgetBefore = now - settings.forgetAfterSeconds * 1000
            var wait = 0
            for count in counts.values where count.lastFailureAt >= forgetBefore {
                wait = max(wait, count.lastFailureAt + delayMillis(failures: count.failures) - now)
            }
            then(wait > 0 ? .limited(retryAfterSeconds: (wait + 999) / 1000) : .allowed)
        }
    }

    /// The attempt was wrong: counted in the store for every instance (this process counted it
    /// at `begin`); `then` runs once it is, or at once without `records`.
    public func failed(client: String, user: String, device: String? = nil, then: @escaping @Sendable () -> Void) {
        guard let records else { return then() }
        let now = wallClock()
        records.recordFailure(keys: LoginThrottle.keys(client: client, user: user, device: device), at: now,
                              forgetBefore: now - settings.forgetAfterSeconds * 1000) { _ in then() }
    }

    /// The wait after `failures` failures (0 while they are free): `baseDelaySeconds` doubling
    /// with each one past `freeFailures`, capped at `maxDelaySeconds`.
    func delayMillis(failures: Int) -> Int {
        let over = failures - settings.freeFailures
        guard over > 0 else { return 0 }
        // The shift is capped first so it cannot overflow.
        return min(settings.baseDelaySeconds << min(over - 1, 30), settings.maxDelaySeconds) * 1000
    }

    /// How long `client` or `user` must wait now, in seconds (0 when free to try).
    public func retryAfter(client: String, user: String, device: String? = nil) -> Int {
        let now = clock()
        return lock.withLock {
            var wait: UInt64 = 0
            for key in LoginThrottle.keys(client: client, user: user, device: device) {
                if let entry = live(key, now: now), entry.blockedUntil > now {
                    wait = max(wait, entry.blockedUntil - now)
                }
            }
            return Int((wait + 999) / 1000)
        }
    }

    /// Throttle keys: the address, and the device cookie's nonce (a browser known to be the
    /// user's) or else the user name. IPv6 clients are keyed by their /64: one host usually owns
    /// a whole /64, so per-address counting would otherwise be free to dodge.
    static func keys(client: String, user: String, device: String?) -> [String] {
        ["addr:" + addressKey(client), device.map { "device:" + $0 } ?? "user:" + user]
    }

    static func addressKey(_ address: String) -> String {
        var bytes = [UInt8](repeating: 0, count: 16)
        guard address.contains(":"), inet_pton(AF_INET6, address, &bytes) == 1 else { return address }
        // IPv4-mapped (::ffff:a.b.c.d) stays one address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xFF && bytes[11] == 0xFF {
            return bytes[12..<16].map(String.init).joined(separator: ".")
        }
        let hex = bytes[0..<8].map { byte -> String in
            let digits = String(byte, radix: 16)
            return digits.count == 1 ? "0" + digits : digits
        }
        return stride(from: 0, to: 8, by: 2).map { hex[$0] + hex[$0 + 1] }.joined(separator: ":") + "::/64"
    }

    private func live(_ key: String, now: UInt64) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if entry.blockedUntil <= now, now &- entry.lastFailure >= UInt64(settings.forgetAfterSeconds) * 1000 {
            entries[key] = nil
            return nil
        }
        return entry
    }

    private func recordFailure(_ key: String, now: UInt64) {
        var entry = live(key, now: now) ?? Entry(failures: 0, lastFailure: now, blockedUntil: 0)
        if entries[key] == nil, entries.count >= settings.maxEntries { makeRoom(now: now) }
        entry.failures += 1
        entry.lastFailure = now
        let delay = delayMillis(failures: entry.failures)
        if delay > 0 { entry.blockedUntil = now + UInt64(delay) }
        entries[key] = entry
    }

    /// Drops forgotten entries, then the stalest tenth, so a flood of new addresses costs one
    /// sort per thousand entries rather than a scan per attempt.
    private func makeRoom(now: UInt64) {
        for key in Array(entries.keys) { _ = live(key, now: now) }
        guard entries.count >= settings.maxEntries else { return }
        let stalest = entries.sorted { $0.value.lastFailure < $1.value.lastFailure }
            .prefix(max(1, settings.maxEntries / 10))
        for (key, _) in stalest { entries[key] = nil }
    }
}
