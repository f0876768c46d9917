/// An incremental, strict HTTP/1.x request parser over a byte buffer (RFC 9112).
///
/// Feed it the unconsumed bytes of a connection; it answers `needMore`, `head` (once, when
/// the head is complete and a body is still expected: the moment for `100 Continue`),
/// `request` with the body and the bytes consumed, or an error carrying the 4xx/5xx to send.
/// It never allocates per byte and never grows past `Limits`.
public struct HTTPRequestParser {
    public enum Step: Equatable {
        case needMore
        case head
        case request(consumed: Int)
        case failure(HTTPParseError)
    }

    private enum State {
        case head(scanned: Int)
        case fixedBody(headEnd: Int, length: Int)
        case chunkSize(cursor: Int)
        case chunkData(cursor: Int, remaining: Int)
        case chunkDataEnd(cursor: Int)
        case trailers(cursor: Int, trailerBytes: Int)
    }

    public let limits: Limits
    private var state: State = .head(scanned: 0)
    private var headReported = false
    /// The head of the request being parsed, once `head` or `request` was returned.
    public private(set) var requestHead: HTTPRequestHead?
    /// The de-chunked body, once `request` was returned.
    public private(set) var body: [UInt8] = []

    public init(limits: Limits = Limits()) {
        self.limits = limits
    }

    /// Forgets the request just returned so the next one can be parsed.
    public mutating func reset() {
        state = .head(scanned: 0)
        headReported = false
        requestHead = nil
        body = []
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
                        let head = try HTTPHeadParser.parse(bytes, from: start, to: end, limits: limits)
                        requestHead = head
                        if head.isChunked {
                            state = .chunkSize(cursor: end)
                        } else {
                            state = .fixedBody(headEnd: end, length: head.contentLength ?? 0)
                        }
                    } catch let error as HTTPParseError {
                        return .failure(error)
                    } catch {
                        return .failure(HTTPParseError(.badRequest, "malformed request head"))
                    }
                }
            case .fixedBody(let headEnd, let length):
                if bytes.count - headEnd >= length {
                    body = length == 0 ? [] : Array(bytes[headEnd..<(headEnd + length)])
                    return .request(consumed: headEnd + length)
                }
                return reportHeadOnce()
            case .chunkSize(let cursor):
                guard let lineEnd = findCRLF(bytes, from: cursor, limit: 1024) else {
                    if bytes.count - cursor > 1024 {
                        return .failure(HTTPParseError(.badRequest, "chunk size line is too long"))
                    }
                    return reportHeadOnce()
                }
                if case .failure(let error) = lineEnd { return .failure(error) }
                guard case .found(let end) = lineEnd else { return .needMore }
                switch Self.parseChunkSize(bytes, from: cursor, to: end) {
                case .failure(let error):
                    return .failure(error)
                case .success(let size):
                    if size > limits.maxBodyBytes - body.count {
                        return .failure(HTTPParseError(.payloadTooLarge, "request body exceeds \(limits.maxBodyBytes) bytes"))
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
                    return .failure(HTTPParseError(.badRequest, "chunk data is not followed by CRLF"))
                }
                state = .chunkSize(cursor: cursor + 2)
            case .trailers(let cursor, let trailerBytes):
                guard let lineEnd = findCRLF(bytes, from: cursor, limit: limits.maxHeaderBytes - trailerBytes) else {
                    if bytes.count - cursor > limits.maxHeaderBytes - trailerBytes {
                        return .failure(HTTPParseError(.headerFieldsTooLarge, "trailer section is too large"))
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
        case tooLarge(HTTPParseError)
    }

    /// Finds the blank line ending the head. `end` is the index just past it.
    private func findHeadEnd(_ bytes: UnsafeBufferPointer<UInt8>, from scanned: Int) -> HeadSearch {
        var start = 0
        // RFC 9112 2.2: ignore at least one empty line before the request line.
        while start + 1 < bytes.count && bytes[start] == 0x0D && bytes[start + 1] == 0x0A && start < 8 { start += 2 }
        let limit = min(bytes.count, start + limits.maxHeaderBytes)
        var i = max(scanned, start + 3)
        while i < limit {
            if bytes[i] == 0x0A && bytes[i - 1] == 0x0D && bytes[i - 2] == 0x0A && bytes[i - 3] == 0x0D {
                return .found(start: start, end: i + 1)
            }
            i += 1
        }
        if bytes.count - start >= limits.maxHeaderBytes {
            // Tell an overlong request line apart from too many/too big fields.
            var lineEnd = start
            while lineEnd < limit && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            if lineEnd - start > limits.maxRequestLineBytes || lineEnd == limit {
                return .tooLarge(HTTPParseError(.uriTooLong, "request line exceeds \(limits.maxRequestLineBytes) bytes"))
            }
            return .tooLarge(HTTPParseError(.headerFieldsTooLarge, "request head exceeds \(limits.maxHeaderBytes) bytes"))
        }
        // A request line that is already too long need not wait for the rest of the head.
        var lineEnd = start
        while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
        if lineEnd - start > limits.maxRequestLineBytes {
            return .tooLarge(HTTPParseError(.uriTooLong, "request line exceeds \(limits.maxRequestLineBytes) bytes"))
        }
        return .notYet(resume: max(start + 3, bytes.count))
    }

    private enum LineSearch {
        case found(Int)
        case failure(HTTPParseError)
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
                return .failure(HTTPParseError(.badRequest, "bare CR in chunked framing"))
            }
            if byte == 0x0A { return .failure(HTTPParseError(.badRequest, "bare LF in chunked framing")) }
            i += 1
        }
        return nil
    }

    enum ChunkSize {
        case success(Int)
        case failure(HTTPParseError)
    }

    /// `chunk-size [ chunk-ext ]`: hex digits, then optional `;name[=value]` extensions.
    static func parseChunkSize(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> ChunkSize {
        var size = 0
        var digits = 0
        var i = from
        while i < to, let value = hexValue(bytes[i]) {
            if digits >= 15 {
                return .failure(HTTPParseError(.payloadTooLarge, "chunk size is too large"))
            }
            size = size << 4 | value
            digits += 1
            i += 1
        }
        guard digits > 0 else {
            return .failure(HTTPParseError(.badRequest, "chunk size is not a hexadecimal number"))
        }
        // Optional whitespace, then extensions; anything else is a bad size.
        while i < to && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
        if i < to {
            guard bytes[i] == 0x3B else {
                return .failure(HTTPParseError(.badRequest, "chunk size is not a hexadecimal number"))
            }
            while i < to {
                let byte = bytes[i]
                if byte < 0x20 && byte != 0x09 || byte == 0x7F {
                    return .failure(HTTPParseError(.badRequest, "control byte in chunk extension"))
                }
                i += 1
            }
        }
        return .success(size)
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
