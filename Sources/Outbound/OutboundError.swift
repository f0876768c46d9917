/// Why an outbound request got no response: each case names the URL (never credentials) and the cause.
public enum OutboundError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing (or not all) came back within the request's time limit.
    case timedOut(url: String, seconds: Int)
    /// The peer's certificate was refused, or TLS could not be set up (STARTTLS missing, a
    /// bad CA file): it will fail the same way again.
    case tls(url: String, detail: String)
    /// The TLS handshake did not complete (libcurl's "SSL connect error"): most often the peer
    /// closed or reset the connection mid-handshake (busy, restarting, a proxy's idle cut), so
    /// it is tried again; a real protocol mismatch fails every try, within the retry budget.
    case handshakeFailed(url: String, detail: String)
    /// No connection: the name did not resolve or the port refused.
    case unreachable(url: String, detail: String)
    /// The server refused our login (SMTP AUTH).
    case loginDenied(url: String, detail: String)
    /// The server refused the message or a recipient (SMTP).
    case rejected(url: String, detail: String)
    /// The body grew past the request's `maxResponseBytes`.
    case tooLarge(url: String, limit: Int)
    /// Any other transfer failure, with libcurl's words.
    case transport(url: String, detail: String)
    /// The request itself is unusable (a URL libcurl refuses, a header with a line break).
    case invalidRequest(String)
    /// Too many requests are already waiting; nothing was sent.
    case queueFull(limit: Int)
    /// The client stopped before the request finished.
    case shutDown
    /// Nothing can be sent: libcurl could not be loaded (it is opened on the first request) or
    /// would not start; the reason names the library and the dynamic linker's words.
    case unavailable(String)

    public var description: String {
        switch self {
        case let .timedOut(url, seconds): return "\(url): no answer within \(seconds) s (timed out)"
        case let .tls(url, detail): return "\(url): TLS failed: \(detail)"
        case let .handshakeFailed(url, detail): return "\(url): TLS handshake failed: \(detail)"
        case let .unreachable(url, detail): return "\(url): cannot connect: \(detail)"
        case let .loginDenied(url, detail): return "\(url): login refused: \(detail)"
        case let .rejected(url, detail): return "\(url): refused: \(detail)"
        case let .tooLarge(url, limit): return "\(url): response is larger than \(limit) bytes"
        case let .transport(url, detail): return "\(url): \(detail)"
        case let .invalidRequest(reason): return "invalid request: \(reason)"
        case let .queueFull(limit): return "outbound queue is full (\(limit) requests waiting)"
        case .shutDown: return "outbound client stopped before the request finished"
        case let .unavailable(reason): return "outbound client unavailable: \(reason)"
        }
    }

    /// True when trying again later may succeed (the server was slow, away or busy), as opposed
    /// to a refusal that will repeat (certificate, login, a bad request).
    public var isTransient: Bool {
        switch self {
        case .timedOut, .unreachable, .transport, .handshakeFailed: return true
        case .tls, .loginDenied, .rejected, .tooLarge, .invalidRequest, .queueFull, .shutDown, .unavailable: return false
        }
    }
}
