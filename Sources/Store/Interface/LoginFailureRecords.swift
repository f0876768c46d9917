/// Failed logins of one throttle key (an address, a user name or a device), as the store has them.
public struct LoginFailures: Sendable, Equatable {
    /// Failures since the key was last forgiven or forgotten.
    public var failures: Int
    /// Unix milliseconds of the latest one.
    public var lastFailureAt: Int

    public init(failures: Int, lastFailureAt: Int) {
        self.failures = failures
        self.lastFailureAt = lastFailureAt
    }
}

/// The login throttle's counts, kept in the store so that instances sharing it limit together:
/// failures on one instance slow the next try on any other. Only counts live here; what they
/// mean (the wait) is `LoginThrottle`'s rule.
public protocol LoginFailureRecords: AnyObject, Sendable {
    /// The counts of these keys (a key without failures is absent).
    func failures(keys: [String], then: @escaping StoreCompletion<[String: LoginFailures]>)
    /// Counts one failure at `at` (Unix ms) for each key; a key quiet since before `forgetBefore`
    /// starts again at 1, and such quiet keys of anyone are deleted. Returns the new counts.
    func recordFailure(keys: [String], at: Int, forgetBefore: Int,
                       then: @escaping StoreCompletion<[String: LoginFailures]>)
    /// Forgets these keys (a login succeeded).
    func forget(keys: [String], then: @escaping StoreCompletion<Void>)
}
