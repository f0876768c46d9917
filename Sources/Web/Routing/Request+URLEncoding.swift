extension Request {
    static let formMediaType = "application/x-www-form-urlencoded"

    /// The query string's name/value pairs, decoded (`+` is a space). Throws `URLEncodingError` (400).
    public func queryItems() throws -> [(String, String)] {
        query.isEmpty ? [] : try URLEncoding.decodeForm(query)
    }

    /// The first query value called `name`, or nil.
    public func queryValue(_ name: String) throws -> String? {
        try queryItems().first { $0.0 == name }?.1
    }

    /// The body's name/value pairs. Throws `UnsupportedContentTypeError` (415) unless the body is
    /// `application/x-www-form-urlencoded`, and `URLEncodingError` (400) for bad escapes.
    public func formItems() throws -> [(String, String)] {
        let contentType = headers["Content-Type"]
        guard let contentType, Request.mediaType(of: contentType) == Request.formMediaType else {
            throw UnsupportedContentTypeError(expected: Request.formMediaType, received: contentType)
        }
        return try URLEncoding.decodeForm(bytes: body)
    }

    /// The first form value called `name`, or nil.
    public func formValue(_ name: String) throws -> String? {
        try formItems().first { $0.0 == name }?.1
    }

    /// `Text/HTML ; charset=x` -> `text/html`: media types compare case-insensitively, without parameters.
    static func mediaType(of contentType: String) -> String {
        let head = contentType.split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
        return head.trimmingASCIISpaces().lowercased()
    }
}
