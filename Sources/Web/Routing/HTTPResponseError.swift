/// An error that knows the HTTP answer it deserves (400 for a bad escape, 415 for a wrong
/// `Content-Type`...). The router turns these into responses; anything else becomes a 500.
public protocol HTTPResponseError: Error {
    var status: HTTPStatus { get }
    /// Said to the client, so it names the input and the rule without leaking internals.
    var message: String { get }
}

extension HTTPResponseError {
    /// A short plain-text response naming the problem.
    public var response: Response { .error(status, message) }
}

/// Quotes client-supplied text for an error message: control characters escaped, long text cut,
/// so a hostile input can neither bloat nor garble the message.
func quotedForMessage<S: StringProtocol>(_ text: S, limit: Int = 80) -> String {
    let cut = text.count > limit ? String(text.prefix(limit)) + "..." : String(text)
    return cut.debugDescription
}
