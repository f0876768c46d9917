import Web

/// Limits guesses at `GET /grant?code=`: per client address, `maxFailures` wrong codes in a
/// window of `windowSeconds`, then 429 until the window ends. Memory is bounded.
///
/// Not `LoginThrottle`: that one also counts per user name, and the grant link has one shared
/// "user", so one guesser would lock the owner out. Here only the guesser's address waits.
/// Like `LoginThrottle`, an attempt counts as a failure from the moment it is admitted until
/// `succeeded` forgives it, so guesses sent all at once cannot slip past the limit.
public final class GrantCodeThrottle: @unchecked Sendable {
    public let maxFailures: Int
    public let windowSeconds: Int
    public let maxEntries: Int
    private let clock: @Sendable () -> Int
    private let lock = Mutex()
    private var entries: [String: Entry] = [:]

    private struct Entry {
        var windowStart: Int
        var failures: Int
    }

    /// The answer to "may this address try a code now?".
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Answer 429 with `Retry-After: seconds`.
        case limited(retryAfterSeconds: Int)
    }

    public init(maxFailures: Int = 5, windowSeconds: Int = 15 * 60, maxEntries: Int = 10_000,
                clock: @escaping @Sendable () -> Int) {
        self.maxFailures = maxFailures
        self.windowSeconds = windowSeconds
        self.maxEntries = maxEntries
        self.clock = clock
    }

    /// Addresses held now.
    public var count: Int { lock.withLock { entries.count } }

    /// Admits one attempt from `client` (counted as a failure until `succeeded`), or says how long to wait.
    public func admit(client: String) -> Decision {
        let key = LoginThrottle.addressKey(client)
        let now = clock()
        return lock.withLock {
            var entry = live(key, now: now) ?? Entry(windowStart: now, failures: 0)
            if entry.failures >= maxFailures {
                return .limited(retryAfterSeconds: max(1, entry.windowStart + windowSeconds - now))
            }
            if entries[key] == nil, entries.count >= maxEntries { makeRoom(now: now) }
            entry.failures += 1
            entries[key] = entry
            return .allowed
        }
    }

    /// The admitted attempt was right: the address starts afresh.
    public func succeeded(client: String) {
        let key = LoginThrottle.addressKey(client)
        lock.withLock { entries[key] = nil }
    }

    private func live(_ key: String, now: Int) -> Entry? {
        guard let entry = entries[key] else { return nil }
        if now - entry.windowStart >= windowSeconds {
            entries[key] = nil
            return nil
        }
        return entry
    }

    /// Drops ended windows, then the oldest tenth, so a flood of new addresses costs one sort
    /// per thousand of them rather than a scan per attempt.
    private func makeRoom(now: Int) {
        for key in Array(entries.keys) { _ = live(key, now: now) }
        guard entries.count >= maxEntries else { return }
        let oldest = entries.sorted { $0.value.windowStart < $1.value.windowStart }.prefix(max(1, maxEntries / 10))
        for (key, _) in oldest { entries[key] = nil }
    }
}
