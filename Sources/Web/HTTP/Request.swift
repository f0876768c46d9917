/// One HTTP request as the application sees it: head, whole body, and where it came from.
public struct Request: Sendable {
    /// Method token as sent (`GET`, `POST`, ...). Methods are case-sensitive (RFC 9110 9.1).
    public var method: String
    /// The request-target exactly as sent (`/a%20b?x=1`).
    public var target: String
    /// The path part of the target, percent-decoded (`/a b`). Routing uses this.
    public var path: String
    /// The query string after `?`, still encoded (`x=1`), or "" when there is none.
    public var query: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Route parameters filled by the router (`/status/:room` -> `["room": ...]`).
    public var parameters: [String: String] = [:]
    /// Who sent it: the socket peer, and what a trusted proxy says about the real client.
    public var origin: RequestOrigin
    /// The pattern of the route that matched (`/status/:room`), `static` for the router's
    /// fallback; nil before routing or when no route matched. For metrics and logs.
    public var route: String?

    public init(
        method: String, target: String, path: String, query: String, version: HTTPVersion = .http1_1,
        headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = [], origin: RequestOrigin = RequestOrigin()
    ) {
        self.method = method
        self.target = target
        self.path = path
        self.query = query
        self.version = version
        self.headers = headers
        self.body = body
        self.origin = origin
    }
}

/// HTTP major/minor version from the request line.
public struct HTTPVersion: Sendable, Equatable, CustomStringConvertible {
    public var major: Int
    public var minor: Int
    public init(major: Int, minor: Int) { self.major = major; self.minor = minor }
    public static let http1_0 = HTTPVersion(major: 1, minor: 0)
    public static let http1_1 = HTTPVersion(major: 1, minor: 1)
    public var description: String { "HTTP/\(major).\(minor)" }
}

/// Where a request came from, after applying the trusted-proxy rule:
/// `X-Forwarded-*` headers count only when the socket peer is a trusted proxy
/// (a Unix-socket peer always is: only the local NGINX can reach it).
public struct RequestOrigin: Sendable {
    /// The socket peer: `127.0.0.1`, `::1`, or `unix`.
    public var peerAddress: String
    /// True when the socket peer is in `[server] trusted_proxies` or on the Unix socket.
    public var peerIsTrustedProxy: Bool
    /// The real client: the peer, or the right-most untrusted `X-Forwarded-For` hop.
    public var clientAddress: String
    /// `http` or `https` (from `X-Forwarded-Proto` when trusted).
    public var scheme: String
    /// `Host` as the client sent it to the public side (from `X-Forwarded-Host` when trusted).
    public var host: String?

    public init(peerAddress: String = "unix", peerIsTrustedProxy: Bool = false, clientAddress: String? = nil,
                scheme: String = "http", host: String? = nil) {
        self.peerAddress = peerAddress
        self.peerIsTrustedProxy = peerIsTrustedProxy
        self.clientAddress = clientAddress ?? peerAddress
        self.scheme = scheme
        self.host = host
    }

    public var isHTTPS: Bool { scheme == "https" }
}
