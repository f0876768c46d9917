/// An error value that knows the HTTP answer it deserves (400 for a bad escape, 415 for a wrong
/// `Content-Type`...). The router answers its `httpError`; anything else thrown becomes a 500.
public protocol HTTPErrorConvertible: Error {
    var httpError: HTTPError { get }
}

extension HTTPError: HTTPErrorConvertible {
    public var httpError: HTTPError { self }
}

/// The former name of `HTTPErrorConvertible`, kept so callers move at their own pace.
public typealias HTTPResponseError = HTTPErrorConvertible

/// Quotes client-supplied text for an error message (see `HTTPError.quoted`).
func quotedForMessage<S: StringProtocol>(_ text: S, limit: Int = 80) -> String {
    HTTPError.quoted(text, limit: limit)
}
