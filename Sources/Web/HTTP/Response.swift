/// One HTTP response: status, headers and a body held in memory, or sent from a file (`file`).
///
/// `Content-Length`, `Date` and `Connection` are written by the server; a handler sets
/// everything else. A 101 response carries the `upgrade` that takes the connection over.
public struct Response: Sendable {
    // Changing what the head says drops a pre-encoded head (`encodedHead`).
    public var status: HTTPStatus { didSet { encodedHead = nil } }
    public var headers: HTTPHeaders { didSet { encodedHead = nil } }
    public var body: [UInt8] { didSet { encodedHead = nil } }
    /// A body the kernel sends from an open file (`sendfile(2)`) instead of `body`, which
    /// must then be empty. The connection reads nothing more until it is written out.
    public var file: FileBody? { didSet { encodedHead = nil } }
    /// For `101 Switching Protocols`: what speaks on the connection once the head is sent.
    public var upgrade: ConnectionUpgrade?
    /// The route pattern that produced this response; the router fills it in (metrics, logs).
    public var route: String?
    /// The HTTP/1.1 status line and every field but `Date` and `Connection`, encoded once by
    /// whoever keeps this response to send it many times (a cached file, `preEncoded()`); the
    /// server then adds only those two per response. Nil once status, headers or body change.
    private(set) var encodedHead: [UInt8]?

    /// The body's length: the file's part when there is one, else `body`'s.
    public var contentLength: Int { file?.count ?? body.count }

    public init(status: HTTPStatus = .ok, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8] = []) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// This response with its head encoded now, for a response sent many times as it is.
    public func preEncoded() -> Response {
        var response = self
        response.encodedHead = upgrade == nil && status.code != 101 ? HTTPResponseEncoder.encodedHead(self, bodyLength: contentLength) : nil
        return response
    }

    public static func text(_ text: String, status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/plain; charset=utf-8")
        return Response(status: status, headers: headers, body: Array(text.utf8))
    }

    public static func html(_ html: String, status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/html; charset=utf-8")
        return Response(status: status, headers: headers, body: Array(html.utf8))
    }

    /// A body that is already JSON text.
    public static func json(_ json: String, status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/json")
        headers.add("Cache-Control", "no-store")
        return Response(status: status, headers: headers, body: Array(json.utf8))
    }

    public static func xml(_ xml: String, status: HTTPStatus = .ok) -> Response {
        var headers = HTTPHeaders()
        headers.add("Content-Type", "text/xml; charset=utf-8")
        return Response(status: status, headers: headers, body: Array(xml.utf8))
    }

    public static func redirect(to location: String, status: HTTPStatus = .seeOther) -> Response {
        var headers = HTTPHeaders()
        headers.add("Location", location)
        return Response(status: status, headers: headers)
    }

    /// A short plain-text error whose body names what was wrong.
    public static func error(_ status: HTTPStatus, _ message: String? = nil) -> Response {
        .text((message ?? status.reason) + "\n", status: status)
    }
}

/// Hands a connection to another protocol after a `101 Switching Protocols` head.
public struct ConnectionUpgrade: @unchecked Sendable {
    /// Called on the connection's loop right after the 101 head is queued.
    public let makeHandler: (Connection) -> ConnectionHandler
    public init(makeHandler: @escaping (Connection) -> ConnectionHandler) { self.makeHandler = makeHandler }
}
