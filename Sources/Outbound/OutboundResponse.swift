/// A response that arrived: any status, its headers, and the body (empty when it was streamed).
public struct OutboundResponse: Sendable {
    public var status: Int
    public var headers: [OutboundHeader]
    public var body: [UInt8]
    /// How many tries it took (1 when the first one answered).
    public var attempts: Int

    public init(status: Int, headers: [OutboundHeader], body: [UInt8], attempts: Int = 1) {
        self.status = status
        self.headers = headers
        self.body = body
        self.attempts = attempts
    }

    /// The first header of that name (case-insensitive).
    public subscript(header name: String) -> String? {
        let lowered = name.lowercased()
        return headers.first { $0.name.lowercased() == lowered }?.value
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The body as text, cut to `limit` characters for a log line or an error message.
    public func bodyText(limit: Int = 300) -> String {
        String(decoding: body.prefix(limit), as: UTF8.self)
    }
}
