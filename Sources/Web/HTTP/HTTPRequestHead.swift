/// The parsed head of one request, before the body has arrived.
public struct HTTPRequestHead: Sendable {
    public var method: String
    public var target: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    /// From `Content-Length`; nil when absent (or chunked).
    public var contentLength: Int?
    public var isChunked: Bool
    /// Whether the connection stays open after this exchange (version default + `Connection`).
    public var keepAlive: Bool
    /// `Expect: 100-continue` was sent.
    public var expectsContinue: Bool
    /// The `Host` field's value (validated), found while parsing; nil when there is none.
    public var host: String? = nil
}
