/// Parses and validates a complete request head (request line + field lines), RFC 9112.
enum HTTPHeadParser {
    /// `tchar` from RFC 9110 5.6.2, as a 256-entry table.
    static let tokenTable: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in UInt8(ascii: "0")...UInt8(ascii: "9") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "a")...UInt8(ascii: "z") { table[Int(byte)] = true }
        for byte in UInt8(ascii: "A")...UInt8(ascii: "Z") { table[Int(byte)] = true }
        for char in "!#$%&'*+-.^_`|~".utf8 { table[Int(char)] = true }
        return table
    }()

    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, limits: Limits) throws -> HTTPRequestHead {
        // Request line: method SP request-target SP HTTP-version CRLF
        var i = start
        let methodStart = i
        while i < end && tokenTable[Int(bytes[i])] { i += 1 }
        guard i > methodStart, i < end, bytes[i] == 0x20 else {
            throw HTTPParseError(.badRequest, "request line does not start with a method token")
        }
        let method = string(bytes, methodStart, i)
        i += 1
        let targetStart = i
        while i < end && bytes[i] > 0x20 && bytes[i] < 0x7F { i += 1 }
        guard i > targetStart, i < end, bytes[i] == 0x20 else {
            throw HTTPParseError(.badRequest, "request target is empty or contains a byte that is not visible ASCII")
        }
        if i - targetStart > limits.maxRequestLineBytes {
            throw HTTPParseError(.uriTooLong, "request target exceeds \(limits.maxRequestLineBytes) bytes")
        }
        let target = string(bytes, targetStart, i)
        i += 1
        let version = try parseVersion(bytes, &i, end)
        guard i + 1 < end, bytes[i] == 0x0D, bytes[i + 1] == 0x0A else {
            throw HTTPParseError(.badRequest, "request line does not end with CRLF after the version")
        }
        i += 2
        guard target.utf8.first == UInt8(ascii: "/") || target == "*" && method == "OPTIONS"
            || target.hasPrefix("http://") || target.hasPrefix("https://") else {
            throw HTTPParseError(.badRequest, "request target \"\(target.prefix(64))\" is not in origin or absolute form")
        }

        var headers = HTTPHeaders()
        var contentLength: Int?
        var transferEncodings: [String] = []
        var hostCount = 0
        var connectionClose = false
        var connectionKeepAlive = false
        var expectsContinue = false
        let headEnd = end - 2
        while i < headEnd {
            if bytes[i] == 0x20 || bytes[i] == 0x09 {
                throw HTTPParseError(.badRequest, "obsolete line folding (obs-fold) is not accepted")
            }
            let nameStart = i
            while i < headEnd && tokenTable[Int(bytes[i])] { i += 1 }
            guard i < headEnd else { throw HTTPParseError(.badRequest, "header line has no colon") }
            if bytes[i] != UInt8(ascii: ":") {
                if bytes[i] == 0x20 || bytes[i] == 0x09 {
                    throw HTTPParseError(.badRequest, "whitespace between header name and colon")
                }
                if i == nameStart && (bytes[i] == 0x0D || bytes[i] == 0x0A) {
                    throw HTTPParseError(.badRequest, "stray line ending in header section")
                }
                throw HTTPParseError(.badRequest, "header name contains a byte that is not a token character")
            }
            guard i > nameStart else { throw HTTPParseError(.badRequest, "header line has an empty name") }
            let nameEnd = i
            i += 1
            while i < headEnd && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
            let valueStart = i
            while i < headEnd {
                let byte = bytes[i]
                if byte == 0x0D { break }
                if (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                    throw HTTPParseError(.badRequest, "control byte 0x\(String(byte, radix: 16)) in a header value")
                }
                i += 1
            }
            guard i + 1 < end, bytes[i] == 0x0D, bytes[i + 1] == 0x0A else {
                throw HTTPParseError(.badRequest, "header line does not end with CRLF")
            }
            var valueEnd = i
            while valueEnd > valueStart && (bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09) { valueEnd -= 1 }
            i += 2
            if headers.count >= limits.maxHeaderCount {
                throw HTTPParseError(.headerFieldsTooLarge, "more than \(limits.maxHeaderCount) header fields")
            }
            let name = string(bytes, nameStart, nameEnd)
            let value = string(bytes, valueStart, valueEnd)
            headers.add(name, value)

            switch nameEnd - nameStart {
            case 4 where asciiCaseInsensitiveEquals(name, "Host"):
                hostCount += 1
            case 6 where asciiCaseInsensitiveEquals(name, "Expect"):
                if asciiCaseInsensitiveEquals(value, "100-continue") {
                    expectsContinue = true
                } else {
                    throw HTTPParseError(.expectationFailed, "Expect: \(value.prefix(64)) is not supported")
                }
            case 10 where asciiCaseInsensitiveEquals(name, "Connection"):
                for token in value.split(separator: ",") {
                    let t = String(token.trimmingASCIISpaces())
                    if asciiCaseInsensitiveEquals(t, "close") { connectionClose = true }
                    if asciiCaseInsensitiveEquals(t, "keep-alive") { connectionKeepAlive = true }
                }
            case 14 where asciiCaseInsensitiveEquals(name, "Content-Length"):
                for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let length = try parseContentLength(part.trimmingASCIISpaces(), limits: limits)
                    if let previous = contentLength, previous != length {
                        throw HTTPParseError(.badRequest, "differing Content-Length values")
                    }
                    contentLength = length
                }
            case 17 where asciiCaseInsensitiveEquals(name, "Transfer-Encoding"):
                for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                    transferEncodings.append(String(part.trimmingASCIISpaces()))
                }
            default:
                break
            }
        }

        if version.minor >= 1 && hostCount != 1 {
            throw HTTPParseError(.badRequest, hostCount == 0 ? "HTTP/1.1 request without Host" : "more than one Host header")
        }
        if hostCount > 1 { throw HTTPParseError(.badRequest, "more than one Host header") }
        var isChunked = false
        if !transferEncodings.isEmpty {
            if contentLength != nil {
                throw HTTPParseError(.badRequest, "both Content-Length and Transfer-Encoding (request smuggling shape)")
            }
            if version.minor == 0 {
                throw HTTPParseError(.badRequest, "Transfer-Encoding in an HTTP/1.0 request")
            }
            guard transferEncodings.count == 1, asciiCaseInsensitiveEquals(transferEncodings[0], "chunked") else {
                if transferEncodings.contains(where: { $0.isEmpty }) {
                    throw HTTPParseError(.badRequest, "empty Transfer-Encoding element")
                }
                if let last = transferEncodings.last, !asciiCaseInsensitiveEquals(last, "chunked") {
                    throw HTTPParseError(.notImplemented, "Transfer-Encoding \"\(last.prefix(32))\" is not supported")
                }
                throw HTTPParseError(.notImplemented, "only a single \"chunked\" transfer coding is supported")
            }
            isChunked = true
        }
        if let contentLength, contentLength > limits.maxBodyBytes {
            throw HTTPParseError(.payloadTooLarge, "request body of \(contentLength) bytes exceeds \(limits.maxBodyBytes)")
        }
        let keepAlive = version.minor >= 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        return HTTPRequestHead(method: method, target: target, version: version, headers: headers,
                               contentLength: contentLength, isChunked: isChunked, keepAlive: keepAlive,
                               expectsContinue: expectsContinue)
    }

    /// Validates one trailer field line (same rules as header lines); nil when fine.
    static func validateFieldLine(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> HTTPParseError? {
        var i = from
        if bytes[i] == 0x20 || bytes[i] == 0x09 { return HTTPParseError(.badRequest, "obs-fold in trailer") }
        while i < to && tokenTable[Int(bytes[i])] { i += 1 }
        guard i > from, i < to, bytes[i] == UInt8(ascii: ":") else {
            return HTTPParseError(.badRequest, "malformed trailer field")
        }
        i += 1
        while i < to {
            let byte = bytes[i]
            if (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                return HTTPParseError(.badRequest, "control byte in a trailer value")
            }
            i += 1
        }
        return nil
    }

    private static func parseVersion(_ bytes: UnsafeBufferPointer<UInt8>, _ i: inout Int, _ end: Int) throws -> HTTPVersion {
        // "HTTP/" DIGIT "." DIGIT
        guard end - i >= 8,
              bytes[i] == 0x48, bytes[i + 1] == 0x54, bytes[i + 2] == 0x54, bytes[i + 3] == 0x50, bytes[i + 4] == 0x2F,
              (0x30...0x39).contains(bytes[i + 5]), bytes[i + 6] == 0x2E, (0x30...0x39).contains(bytes[i + 7]) else {
            throw HTTPParseError(.badRequest, "request line does not end with an HTTP version")
        }
        let major = Int(bytes[i + 5] - 0x30)
        let minor = Int(bytes[i + 7] - 0x30)
        i += 8
        guard major == 1 else {
            throw HTTPParseError(.httpVersionNotSupported, "HTTP/\(major).\(minor) is not supported")
        }
        return HTTPVersion(major: 1, minor: minor == 0 ? 0 : 1)
    }

    private static func parseContentLength(_ text: Substring, limits: Limits) throws -> Int {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw HTTPParseError(.badRequest, "Content-Length \"\(text.prefix(32))\" is not a number")
        }
        if text.utf8.count > 15 {
            throw HTTPParseError(.payloadTooLarge, "Content-Length \(text.prefix(32)) exceeds \(limits.maxBodyBytes)")
        }
        return Int(text) ?? Int.max
    }

    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }
}
