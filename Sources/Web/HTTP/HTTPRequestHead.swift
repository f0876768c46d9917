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
}

/// Why a request was refused before it reached the application. Each case maps to the status the
/// client gets; the connection is closed afterwards because the stream can no longer be trusted.
public struct HTTPParseError: Error, Equatable, CustomStringConvertible {
    public let status: HTTPStatus
    public let message: String

    public init(_ status: HTTPStatus, _ message: String) {
        self.status = status
        self.message = message
    }

    public var description: String { "\(status.code) \(message)" }
}
