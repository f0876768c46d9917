/// The one HTTP error of this server: a status and a message that is safe to show the client.
///
/// The request parser refuses bad requests with it, the router answers it when a handler throws
/// it (or any `HTTPErrorConvertible`), and an application builds its own refusals with it. The
/// message names the input and the rule it broke; it never carries internal detail (file paths,
/// SQL, library errors): anything else a handler throws becomes a plain 500 and is only logged.
public struct HTTPError: Error, Equatable, Sendable, CustomStringConvertible {
    public let status: HTTPStatus
    /// Sent to the client as a short text/plain body. Quote client text with `quoted(_:)`.
    public let message: String
    /// Extra response headers: `Allow` with 405, `Retry-After` with 503.
    public var headers: [(name: String, value: String)] = []

    /// `message` nil uses the status's reason phrase ("Not Found").
    public init(_ status: HTTPStatus, _ message: String? = nil) {
        self.status = status
        self.message = message ?? status.reason
    }

    /// The 500 a client gets for an error this server did not expect; the detail goes to the log only.
    public static let internalServerError = HTTPError(.internalServerError)

    /// The error to answer for anything a handler threw: its own when it is an
    /// `HTTPErrorConvertible`, else a bare 500 (the thrown text is not sent: log it yourself).
    public init(answering error: any Error) {
        if let convertible = error as? HTTPErrorConvertible {
            self = convertible.httpError
        } else {
            self = .internalServerError
        }
    }

    /// This error with one more response header.
    public func adding(_ name: String, _ value: String) -> HTTPError {
        var copy = self
        copy.headers.append((name, value))
        return copy
    }

    /// Client-supplied text made safe for a message: control characters escaped, long text cut,
    /// so a hostile input can neither bloat nor garble it.
    public static func quoted<S: StringProtocol>(_ text: S, limit: Int = 80) -> String {
        let cut = text.count > limit ? String(text.prefix(limit)) + "..." : String(text)
        return cut.debugDescription
    }

    public var description: String { "\(status.code) \(message)" }

    public static func == (lhs: HTTPError, rhs: HTTPError) -> Bool {
        lhs.status == rhs.status && lhs.message == rhs.message
            && lhs.headers.elementsEqual(rhs.headers, by: { $0.name == $1.name && $0.value == $1.value })
    }
}
