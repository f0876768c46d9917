/// A login as the store keeps it: never the session id, only its SHA-256.
public struct StoredSession: Sendable, Equatable {
    /// Hex SHA-256 of the session id.
    public var key: String
    public var user: String
    public var csrfToken: String
    /// Unix milliseconds.
    public var createdAt: Int
    /// Unix milliseconds of the last use the store knows of (written at most every few minutes).
    public var lastSeen: Int

    public init(key: String, user: String, csrfToken: String, createdAt: Int, lastSeen: Int) {
        self.key = key
        self.user = user
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeen = lastSeen
    }
}

/// The logins that survive a restart.
public protocol SessionRecords: Sendable {
    /// Every stored session (start-up only: blocks).
    func loadAll() throws -> [StoredSession]
    func save(_ session: StoredSession, then: @escaping StoreCompletion<Void>)
    /// Moves the last use forward (never back) for the sessions with these keys.
    func touch(_ lastSeen: [(key: String, at: Int)], then: @escaping StoreCompletion<Void>)
    func delete(keys: [String], then: @escaping StoreCompletion<Void>)
}
