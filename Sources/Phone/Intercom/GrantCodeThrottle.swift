import Store
import Web

/// Limits guesses at `GET /grant?code=`: per client address, `maxFailures` wrong codes in a
/// window of `windowSeconds`, then 429 until the window ends. The counts live in the store
/// (`IntercomRecords.countCodeAttempt`), so guesses spread over several instances count
/// together, and a restart forgets nothing; the leading instance's sweep drops ended windows.
///
/// Not `LoginThrottle`: that one also counts per user name, and the grant link has one shared
/// "user", so one guesser would lock the owner out. Here only the guesser's address waits.
/// An attempt counts as a failure from the moment it is admitted until `succeeded` forgives
/// it, so guesses sent all at once cannot slip past the limit.
public final class GrantCodeThrottle: @unchecked Sendable {
    public static let defaultWindowSeconds = 15 * 60
    public let maxFailures: Int
    public let windowSeconds: Int
    private let records: IntercomRecords
    private let clock: @Sendable () -> Int

    /// The answer to "may this address try a code now?".
    public enum Decision: Sendable, Equatable {
        case allowed
        /// Answer 429 with `Retry-After: seconds`.
        case limited(retryAfterSeconds: Int)
    }

    public init(records: IntercomRecords, maxFailures: Int = 5, windowSeconds: Int = GrantCodeThrottle.defaultWindowSeconds,
                clock: @escaping @Sendable () -> Int) {
        self.records = records
        self.maxFailures = maxFailures
        self.windowSeconds = windowSeconds
        self.clock = clock
    }

    /// Counts one attempt from `client` (a failure until `succeeded`) and says whether it may
    /// go on; `then` runs on a store thread once the count is committed.
    public func admit(client: String, then: @escaping (Result<Decision, StoreError>) -> Void) {
        let now = clock()
        records.countCodeAttempt(address: LoginThrottle.addressKey(client), now: now, windowSeconds: windowSeconds,
                                 maxFailures: maxFailures) { [windowSeconds, maxFailures] result in
            then(result.map { attempts in
                attempts.failures <= maxFailures
                    ? .allowed : .limited(retryAfterSeconds: max(1, attempts.windowStart + windowSeconds - now))
            })
        }
    }

    /// The admitted attempt was right: the address starts afresh.
    public func succeeded(client: String) {
        records.forgetCodeAttempts(address: LoginThrottle.addressKey(client)) { _ in }
    }
}
