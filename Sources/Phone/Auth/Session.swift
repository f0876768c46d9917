/// One logged-in browser: who it is, its CSRF token, and when it was made and last used.
/// The session id itself is never kept: only its SHA-256 (`key`), so neither a heap dump nor a
/// timing leak on the store's dictionary gives out a cookie that works.
public struct Session: Sendable, Equatable {
    public let user: String
    /// Hex SHA-256 of the session id: names the session in logs and in the `session:<key>` room.
    public let key: String
    /// Sent back by the page on state-changing requests (`X-CSRF-Token` or form field `csrf`).
    public let csrfToken: String
    /// Milliseconds of the store's clock (wall-clock based when sessions are stored).
    public let createdAt: UInt64
    /// Milliseconds of the last request that used it (sliding expiry).
    public internal(set) var lastSeen: UInt64
    /// The last use as the store has it: written again only when this is old enough.
    var storedLastSeen: UInt64
    /// `lastSeen` came from another instance, which writes a use at most every
    /// `persistEverySeconds`: the real last use may be up to that much later.
    var seenElsewhere = false

    init(user: String, key: String, csrfToken: String, createdAt: UInt64, lastSeen: UInt64) {
        self.user = user
        self.key = key
        self.csrfToken = csrfToken
        self.createdAt = createdAt
        self.lastSeen = lastSeen
        storedLastSeen = lastSeen
    }

    /// The WebSocket room of this one session (see docs/CONTRACT.md).
    public var room: String { RoomName.session(key) }

    /// True when `token` is this session's CSRF token, compared in constant time.
    public func acceptsCSRFToken(_ token: String?) -> Bool {
        guard let token, SecureRandom.isToken(token) else { return false }
        return HMAC.constantTimeEquals(Array(token.utf8), Array(csrfToken.utf8))
    }
}
