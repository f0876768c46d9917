/// A percent-encoded text (query string, form body, path segment) that breaks the encoding rules.
public struct URLEncodingError: HTTPErrorConvertible, Equatable, CustomStringConvertible {
    public enum Rule: Sendable, Equatable {
        /// `%` not followed by two hex digits (`%G1`, `%4`).
        case badEscape(String)
        /// The decoded bytes are not UTF-8.
        case invalidUTF8
    }

    public let rule: Rule
    /// The encoded text that was being decoded.
    public let text: String

    public init(_ rule: Rule, in text: String) {
        self.rule = rule
        self.text = text
    }

    public var status: HTTPStatus { .badRequest }

    public var message: String {
        switch rule {
        case .badEscape(let escape):
            return "bad percent-escape \(quotedForMessage(escape)) in \(quotedForMessage(text)): "
                + "% must be followed by two hex digits"
        case .invalidUTF8:
            return "\(quotedForMessage(text)) is not UTF-8 after percent-decoding"
        }
    }

    public var httpError: HTTPError { HTTPError(status, message) }

    public var description: String { message }
}
