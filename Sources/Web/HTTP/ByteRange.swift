/// One `Range: bytes=…` request (RFC 9110 §14.2) against a body of known length, so a browser's
/// `<audio>` can seek: `first...last` within the body.
///
/// Only a single range is served; a header this server does not serve (another unit, several
/// ranges, bad syntax) is ignored as RFC 9110 allows, and the whole body goes out with 200.
public struct ByteRange: Sendable, Equatable {
    public let first: Int
    public let last: Int

    /// What a `Range` header asks of a body of `length` bytes.
    public enum Request: Sendable, Equatable {
        /// No header, or one to ignore: the whole body, 200.
        case whole
        /// One satisfiable range: 206.
        case part(ByteRange)
        /// A valid range that starts past the end (or an empty body): 416.
        case unsatisfiable
    }

    /// Longest number read from the header: past 18 digits no body of ours is that long.
    static let maxDigits = 18

    /// The range `header` asks for in a body of `length` bytes.
    public static func request(_ header: String?, length: Int) -> Request {
        guard let header else { return .whole }
        let text = header.trimmingASCIISpaces()
        let unit = "bytes="
        guard text.utf8.count > unit.utf8.count,
              asciiCaseInsensitiveEquals(String(text.prefix(unit.count)), unit) else { return .whole }
        let spec = text.dropFirst(unit.count).trimmingASCIISpaces()
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { return .whole }
        let firstText = spec[..<dash], lastText = spec[spec.index(after: dash)...]
        if firstText.isEmpty {
            // `-N`: the last N bytes.
            guard let suffix = number(lastText) else { return .whole }
            guard suffix > 0, length > 0 else { return .unsatisfiable }
            return .part(ByteRange(first: max(0, length - suffix), last: length - 1))
        }
        guard let first = number(firstText) else { return .whole }
        var last = length - 1
        if !lastText.isEmpty {
            guard let given = number(lastText), given >= first else { return .whole }
            last = min(given, length - 1)
        }
        guard first < length else { return .unsatisfiable }
        return .part(ByteRange(first: first, last: last))
    }

    /// Whether `If-Range` lets the `Range` apply: absent, or exactly this strong `etag`. A date
    /// (or a weak or other tag) means the client's copy may differ, so the whole body is sent.
    public static func ifRangeAllows(_ header: String?, etag: String) -> Bool {
        guard let header else { return true }
        return header.trimmingASCIISpaces() == etag && !etag.hasPrefix("W/")
    }

    /// What `range` asks of a representation of `length` bytes named by the strong `etag` (quoted),
    /// once `ifRange` lets it apply: another validator there means the whole body.
    public static func request(_ range: String?, ifRange: String?, length: Int, etag: String) -> Request {
        guard range != nil, ifRangeAllows(ifRange, etag: etag) else { return .whole }
        return request(range, length: length)
    }

    /// `whole` (the 200 carrying all `length` bytes of a representation, in `body` or `file`) made
    /// the answer to `wanted`: itself, 206 with `Content-Range` and the content cut to the range, or
    /// 416 with `Content-Range: bytes */length` and no content. Each says `Accept-Ranges: bytes`.
    public static func answer(_ whole: Response, _ wanted: Request, length: Int) -> Response {
        var response = whole
        switch wanted {
        case .whole:
            break
        case .part(let range):
            response.status = HTTPStatus(206, "Partial Content")
            response.headers.set("Content-Range", "bytes \(range.first)-\(range.last)/\(length)")
            if let file = whole.file {
                response.file = FileBody(file: file.file, offset: file.offset + range.first, count: range.count)
            } else {
                response.body = Array(whole.body[range.first...range.last])
            }
        case .unsatisfiable:
            response.status = HTTPStatus(416, "Range Not Satisfiable")
            response.headers.set("Content-Range", "bytes */\(length)")
            // No content: nothing for these to describe.
            response.headers.remove("Content-Type")
            response.headers.remove("Content-Encoding")
            response.body = []
            response.file = nil
        }
        response.headers.set("Accept-Ranges", "bytes")
        return response
    }

    /// The answer to a GET for `body` named by the strong `etag`: 200, 206 with `Content-Range`, or
    /// 416 with `Content-Range: bytes */length`; each says `Accept-Ranges: bytes` and the `ETag`.
    public static func response(for request: Web.Request, body: [UInt8], etag: String, contentType: String) -> Response {
        let wanted = ByteRange.request(request.headers["Range"], ifRange: request.headers["If-Range"],
                                       length: body.count, etag: etag)
        var whole = Response(body: body)
        whole.headers.set("Content-Type", contentType)
        whole.headers.set("ETag", etag)
        return answer(whole, wanted, length: body.count)
    }

    /// Bytes in the range.
    public var count: Int { last - first + 1 }

    /// A non-negative decimal of at most `maxDigits` digits, else nil.
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.count <= maxDigits,
              text.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
        return Int(text)
    }
}
