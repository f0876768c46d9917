/// An incremental, strict HTTP/1.x request parser over a byte buffer (RFC 9112).
///
/// Feed it the unconsumed bytes of a connection; it answers `needMore`, `head` (once, when
/// the head is complete and a body is still expected: the moment for `100 Continue`),
/// `request` with the body and the bytes consumed, or an error carrying the 4xx/5xx to send.
/// It never allocates per byte and never grows past `Limits`.
///
/// Body bytes are copied into `body` as they arrive, so the caller may drop the raw bytes the
/// parser is done with (`discardParsed()`): a body is held once, not raw and decoded.
public struct HTTPRequestParser {
    public enum Step: Equatable {
        case needMore
        case head
        case request(consumed: Int)
        case failure(HTTPError)
    }

    private enum State {
        case head(scanned: Int)
        case fixedBody(cursor: Int, remaining: Int)
        case chunkSize(cursor: Int)
        case chunkData(cursor: Int, remaining: Int)
        case chunkDataEnd(cursor: Int)
        case trailers(cursor: Int, trailerBytes: Int)
    }

    public let limits: Limits
    /// A route's own body limit, asked once a head announces a body (see `Router.bodyLimit`).
    public var bodyLimit: BodyLimit?
    private var state: State = .head(scanned: 0)
    private var headReported = false
    /// The body limit for the request being parsed: `Limits.maxBodyBytes` or the route's, if lower.
    public private(set) var maxBodyBytes: Int
    /// The head of the request being parsed, once `head` or `request` was returned.
    public private(set) var requestHead: HTTPRequestHead?
    /// The de-chunked body, once `request` was returned.
    public private(set) var body: [UInt8] = []
    /// The previous request's field list, reused by the next when its request is gone.
    private var spareHeaders = HTTPHeaders()

    public init(limits: Limits = Limits(), bodyLimit: BodyLimit? = nil) {
        self.limits = limits
        self.bodyLimit = bodyLimit
        self.maxBodyBytes = limits.maxBodyBytes
    }

    /// The request just returned (`request`), moved out, and the parser reset for the next one.
    public mutating func takeRequest() -> (head: HTTPRequestHead, body: [UInt8])? {
        guard let head = requestHead.take() else { return nil }
        var taken: [UInt8] = []
        swap(&taken, &body)
        reset()
        return (head, taken)
    }

    /// Forgets the request just returned so the next one can be parsed.
    public mutating func reset() {
        state = .head(scanned: 0)
        headReported = false
        requestHead = nil
        body = []
        maxBodyBytes = limits.maxBodyBytes
    }

    /// Forgets the raw bytes in front of the body parsed so far and returns how many the caller
    /// must drop from the front of its buffer; later indices are relative to what remains.
    /// 0 while the head is still being read.
    public mutating func discardParsed() -> Int {
        switch state {
        case .head:
            return 0
        case .fixedBody(let cursor, let remaining):
            state = .fixedBody(cursor: 0, remaining: remaining)
            return cursor
        case .chunkSize(let cursor):
            state = .chunkSize(cursor: 0)
            return cursor
        case .chunkData(let cursor, let remaining):
            state = .chunkData(cursor: 0, remaining: remaining)
            return cursor
        case .chunkDataEnd(let cursor):
            state = .chunkDataEnd(cursor: 0)
            return cursor
        case .trailers(let cursor, let trailerBytes):
            state = .trailers(cursor: 0, trailerBytes: trailerBytes)
            return cursor
        }
    }

    /// True once any byte of a request head has been seen but the request is not complete.
    public var isMidRequest: Bool {
        if case .head(let scanned) = state { return scanned > 0 }
        return true
    }

    public mutating func parse(_ buffer: UnsafeRawBufferPointer) -> Step {
        let bytes = buffer.bindMemory(to: UInt8.self)
        while true {
            switch state {
            case .head(let scanned):
                switch findHeadEnd(bytes, from: scanned) {
                case .notYet(let resume):
                    state = .head(scanned: resume)
                    return .needMore
                case .tooLarge(let error):
                    return .failure(error)
                case .found(let start, let end):
                    do {
                        let head = try HTTPHeadParser.parse(bytes, from: start, to: end, limits: limits,
                                                            reusing: &spareHeaders)
                        let length = head.contentLength ?? 0
                        let isChunked = head.isChunked
                        if let bodyLimit, isChunked || length > 0, let routeLimit = bodyLimit(head.method, head.target) {
                            maxBodyBytes = min(maxBodyBytes, max(0, routeLimit))
                        }
                        // Kept, not copied: read above, it is the parser's from here.
                        requestHead = consume head
                        if length > maxBodyBytes {
                            return .failure(HTTPError(.payloadTooLarge, "a request body here is at most \(maxBodyBytes) bytes; Content-Length says \(length)"))
                        }
                        if isChunked {
                            state = .chunkSize(cursor: end)
                        } else if bytes.count - end >= length {
                            // The whole body is here: one copy, no growing.
                            body = length == 0 ? [] : Array(bytes[end..<(end + length)])
                            return .request(consumed: end + length)
                        } else {
                            body.reserveCapacity(length)
                            state = .fixedBody(cursor: end, remaining: length)
                        }
                    } catch let error as HTTPError {
                        return .failure(error)
                    } catch {
                        return .failure(HTTPError(.badRequest, "malformed request head"))
                    }
                }
            case .fixedBody(let cursor, let remaining):
                let available = min(remaining, bytes.count - cursor)
                if available > 0 {
                    body.append(contentsOf: bytes[cursor..<(cursor + available)])
                }
                if available == remaining {
                    return .request(consumed: cursor + available)
                }
                state = .fixedBody(cursor: cursor + available, remaining: remaining - available)
                return reportHeadOnce()
            case .chunkSize(let cursor):
                guard let lineEnd = findCRLF(bytes, from: cursor, limit: limits.maxChunkLineBytes) else {
                    if bytes.count - cursor > limits.maxChunkLineBytes {
                        return .failure(HTTPError(.badRequest, "chunk size line is too long"))
                    }
                    return reportHeadOnce()
                }
                if case .failure(let error) = lineEnd { return .failure(error) }
                guard case .found(let end) = lineEnd else { return .needMore }
                switch Self.parseChunkSize(bytes, from: cursor, to: end) {
                case .failure(let error):
                    return .failure(error)
                case .success(let size):
                    if size > maxBodyBytes - body.count {
                        return .failure(HTTPError(.payloadTooLarge, "a request body here is at most \(maxBodyBytes) bytes"))
                    }
                    if size == 0 {
                        state = .trailers(cursor: end + 2, trailerBytes: 0)
                    } else {
                        state = .chunkData(cursor: end + 2, remaining: size)
                    }
                }
            case .chunkData(let cursor, let remaining):
                let available = min(remaining, bytes.count - cursor)
                if available > 0 {
                    body.append(contentsOf: bytes[cursor..<(cursor + available)])
                }
                if available < remaining {
                    state = .chunkData(cursor: cursor + available, remaining: remaining - available)
                    return reportHeadOnce()
                }
                state = .chunkDataEnd(cursor: cursor + available)
            case .chunkDataEnd(let cursor):
                if bytes.count - cursor < 2 { return reportHeadOnce() }
                guard bytes[cursor] == 0x0D, bytes[cursor + 1] == 0x0A else {
                    return .failure(HTTPError(.badRequest, "chunk data is not followed by CRLF"))
                }
                state = .chunkSize(cursor: cursor + 2)
            case .trailers(let cursor, let trailerBytes):
                guard let lineEnd = findCRLF(bytes, from: cursor, limit: limits.maxHeaderBytes - trailerBytes) else {
                    if bytes.count - cursor > limits.maxHeaderBytes - trailerBytes {
                        return .failure(HTTPError(.headerFieldsTooLarge, "trailer section is too large"))
                    }
                    return reportHeadOnce()
                }
                if case .failure(let error) = lineEnd { return .failure(error) }
                guard case .found(let end) = lineEnd else { return .needMore }
                if end == cursor {
                    return .request(consumed: end + 2)
                }
                if let error = HTTPHeadParser.validateFieldLine(bytes, from: cursor, to: end) {
                    return .failure(error)
                }
                state = .trailers(cursor: end + 2, trailerBytes: trailerBytes + (end + 2 - cursor))
            }
        }
    }

    private mutating func reportHeadOnce() -> Step {
        if headReported { return .needMore }
        headReported = true
        return .head
    }

    private enum HeadSearch {
        case notYet(resume: Int)
        case found(start: Int, end: Int)
        /// Too large, or a framing error found before the head ended.
        case tooLarge(HTTPError)
    }

    /// Finds the blank line ending the head. `end` is the index just past it.
    private func findHeadEnd(_ bytes: UnsafeBufferPointer<UInt8>, from scanned: Int) -> HeadSearch {
        var start = 0
        // RFC 9112 2.2: ignore at least one empty line before the request line.
        while start + 1 < bytes.count && bytes[start] == 0x0D && bytes[start + 1] == 0x0A && start < 8 { start += 2 }
        let limit = min(bytes.count, start + limits.maxHeaderBytes)
        var i = max(scanned, start)
        while i < limit {
            if bytes[i] == 0x0A {
                // RFC 9112 2.2: a bare LF is refused now, not after the header timeout.
                guard i > start, bytes[i - 1] == 0x0D else {
                    return .tooLarge(HTTPError(.badRequest, "line ending is a bare LF, not CRLF"))
                }
                if i >= start + 3 && bytes[i - 2] == 0x0A && bytes[i - 3] == 0x0D {
                    return .found(start: start, end: i + 1)
                }
            }
            i += 1
        }
        if bytes.count - start >= limits.maxHeaderBytes {
            // Tell an overlong request line apart from too many/too big fields.
            var lineEnd = start
            while lineEnd < limit && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineEnd - start > limits.maxRequestLineBytes || lineEnd == limit {
                return .tooLarge(HTTPError(.uriTooLong, "request line exceeds \(limits.maxRequestLineBytes) bytes"))
            }
            return .tooLarge(HTTPError(.headerFieldsTooLarge, "request head exceeds \(limits.maxHeaderBytes) bytes"))
        }
        // A request line that is already too long need not wait for the rest of the head.
        var lineEnd = start
        while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
        if lineEnd - start > limits.maxRequestLineBytes {
            return .tooLarge(HTTPError(.uriTooLong, "request line exceeds \(limits.maxRequestLineBytes) bytes"))
        }
        return .notYet(resume: max(start, bytes.count))
    }

    private enum LineSearch {
        case found(Int)
        case failure(HTTPError)
    }

    /// Index of the CR of the next CRLF at or after `from`, looking at most `limit` bytes.
    private func findCRLF(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, limit: Int) -> LineSearch? {
        let end = min(bytes.count, from + max(0, limit) + 2)
        var i = from
        while i < end {
            let byte = bytes[i]
            if byte == 0x0D {
                if i + 1 >= bytes.count { return nil }
                if bytes[i + 1] == 0x0A { return .found(i) }
                return .failure(HTTPError(.badRequest, "bare CR in chunked framing"))
            }
            if byte == 0x0A { return .failure(HTTPError(.badRequest, "bare LF in chunked framing")) }
            i += 1
        }
        return nil
    }

    enum ChunkSize {
        case success(Int)
        case failure(HTTPError)
    }

    /// `chunk-size [ chunk-ext ]` (RFC 9112 7.1.1): hex digits, then any number of
    /// `BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ]`. Whitespace is allowed only
    /// around the `;` and `=` of an extension, never alone after the size.
    static func parseChunkSize(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> ChunkSize {
        var size = 0
        var sawDigit = false
        var significantDigits = 0
        var i = from
        while i < to, let value = hexValue(bytes[i]) {
            sawDigit = true
            i += 1
            // Leading zeros carry no value and count against nothing.
            if significantDigits == 0 && value == 0 { continue }
            if significantDigits >= 15 {
                return .failure(HTTPError(.payloadTooLarge, "chunk size is too large"))
            }
            size = size << 4 | value
            significantDigits += 1
        }
        guard sawDigit else {
            return .failure(HTTPError(.badRequest, "chunk size is not a hexadecimal number"))
        }
        while i < to {
            skipWhitespace(bytes, &i, to)
            guard i < to, bytes[i] == UInt8(ascii: ";") else {
                return .failure(HTTPError(.badRequest, "chunk size is followed by something other than a ;extension"))
            }
            i += 1
            skipWhitespace(bytes, &i, to)
            let nameStart = i
            while i < to && HTTPHeadParser.tokenTable[Int(bytes[i])] { i += 1 }
            guard i > nameStart else {
                return .failure(HTTPError(.badRequest, "chunk extension has an empty or non-token name"))
            }
            var afterName = i
            skipWhitespace(bytes, &afterName, to)
            guard afterName < to, bytes[afterName] == UInt8(ascii: "=") else {
                i = afterName
                if i < to && bytes[i] != UInt8(ascii: ";") {
                    return .failure(HTTPError(.badRequest, "chunk extension name is followed by something other than = or ;"))
                }
                continue
            }
            i = afterName + 1
            skipWhitespace(bytes, &i, to)
            if i < to && bytes[i] == UInt8(ascii: "\"") {
                i += 1
                var closed = false
                while i < to {
                    let byte = bytes[i]
                    if byte == UInt8(ascii: "\"") { closed = true; i += 1; break }
                    if byte == UInt8(ascii: "\\") { i += 1 }
                    if i < to && (bytes[i] < 0x20 && bytes[i] != 0x09 || bytes[i] == 0x7F) {
                        return .failure(HTTPError(.badRequest, "control byte in a chunk extension value"))
                    }
                    i += 1
                }
                guard closed else {
                    return .failure(HTTPError(.badRequest, "chunk extension value has an unterminated quoted string"))
                }
            } else {
                let valueStart = i
                while i < to && HTTPHeadParser.tokenTable[Int(bytes[i])] { i += 1 }
                guard i > valueStart else {
                    return .failure(HTTPError(.badRequest, "chunk extension value is neither a token nor a quoted string"))
                }
            }
        }
        return .success(size)
    }

    @inline(__always)
    private static func skipWhitespace(_ bytes: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) {
        while i < end && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case 0x30...0x39: return Int(byte - 0x30)
        case 0x41...0x46: return Int(byte - 0x41 + 10)
        case 0x61...0x66: return Int(byte - 0x61 + 10)
        default: return nil
        }
    }
}
