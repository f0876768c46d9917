/// One HTTP(S) request for the outbound client: what to send, how long to wait, how to retry.
///
/// Credentials travel in `basicAuth` (libcurl writes the header), never in the URL, so an
/// error that names the URL never names a secret. Redirects, when followed, stay on HTTPS
/// and lose the credentials on another host.
public struct OutboundRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [OutboundHeader]
    public var body: [UInt8]
    public var basicAuth: BasicCredentials?
    /// The whole exchange, connect to last byte (a stream gets `streamTimeoutSeconds` instead).
    public var timeoutSeconds: Int
    /// A body past this fails the request with `.tooLarge` instead of growing memory.
    public var maxResponseBytes: Int
    public var retry: RetryPolicy
    /// True when sending twice does no harm: then timeouts, lost connections and 5xx are
    /// retried too (a 429 always is). Defaults to the method's own meaning (GET, HEAD, DELETE, PUT).
    public var safeToRepeat: Bool
    public var followRedirects: Bool

    public init(method: String = "GET", url: String, headers: [OutboundHeader] = [], body: [UInt8] = [],
                basicAuth: BasicCredentials? = nil, timeoutSeconds: Int = 15, maxResponseBytes: Int = 1 << 20,
                retry: RetryPolicy = .standard, safeToRepeat: Bool? = nil, followRedirects: Bool = false) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.basicAuth = basicAuth
        self.timeoutSeconds = timeoutSeconds
        self.maxResponseBytes = maxResponseBytes
        self.retry = retry
        self.safeToRepeat = safeToRepeat ?? ["GET", "HEAD", "DELETE", "PUT", "OPTIONS"].contains(method)
        self.followRedirects = followRedirects
    }
}

/// One request or response header line.
public struct OutboundHeader: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
        self.name = name
        self.value = value
    }
}

/// A user name and password for HTTP Basic authentication (RFC 7617) or SMTP AUTH.
public struct BasicCredentials: Sendable, Equatable {
    public var user: String
    public var password: String
    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }
}
