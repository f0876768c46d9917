extension HTTPError {
    /// The response: the status, the message as text/plain, and `headers`.
    public var response: Response {
        var response = Response.error(status, message)
        for (name, value) in headers { response.headers.set(name, value) }
        return response
    }
}

extension HTTPErrorConvertible {
    /// The short plain-text response naming the problem.
    public var response: Response { httpError.response }
}
