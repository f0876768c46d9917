/// A request body sent with a `Content-Type` the handler does not read (the router answers 415).
public struct UnsupportedContentTypeError: HTTPErrorConvertible, Equatable, CustomStringConvertible {
    /// What the handler reads, e.g. `application/x-www-form-urlencoded`.
    public let expected: String
    /// What the request said, or nil when it had no `Content-Type`.
    public let received: String?

    public init(expected: String, received: String?) {
        self.expected = expected
        self.received = received
    }

    public var status: HTTPStatus { .unsupportedMediaType }

    public var message: String {
        let got = received.map { "Content-Type \(quotedForMessage($0))" } ?? "no Content-Type"
        return "expected a body of type \(expected), got \(got)"
    }

    public var httpError: HTTPError { HTTPError(status, message) }

    public var description: String { message }
}
