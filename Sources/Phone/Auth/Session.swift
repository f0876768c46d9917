/// One logged-in browser: who it is, its CSRF token, and when it was made and last used.
/// The session id itself is never kept: only its SHA-256 (`key`), so neither a heap dump nor a
/// timing leak on the store's dictionary gives out a cookie that works.
public struct Session: Sendable, Equatable {
    public let user: String
    /// Hex SHA-256 of the session id: names the session in logs and in the `session:<key>` room.
    public let key: String
    /// Sent back by the page on state-changing requests (`X-CSRF-Token` or form field `csrf`).
    public let csrfToken: String
    /// Monotonic milliseconds.
    public let createdAt: UInt64
    /// Monotonic milliseconds of the last request that used it (sliding expiry).
    public internal(set) var lastSeen: UInt64

    /// The WebSocket room of this one session (see docs/CONTRACT.md).
    public var room: String { RoomName.session(key) }

    /// True when `token` is this session's CSRF token, compared in constant time.
    public func acceptsCSRFToken(_ token: String?) -> Bool {
        guard let token, SecureRandom.isToken(token) else { return false }
        return HMAC.constantTimeEquals(Array(token.utf8), Array(csrfToken.utf8))
    }
}
