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

    /// `storage`: the fields of the previous request, whose array is reused when nothing else
    /// holds it any more (its `Request` is gone): no allocation for the field list.
    static func parse(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int, limits: Limits,
                      reusing storage: inout HTTPHeaders) throws -> HTTPRequestHead {
        // Request line: method SP request-target SP HTTP-version CRLF
        var i = start
        let methodStart = i
        while i < end && tokenTable[Int(bytes[i])] { i += 1 }
        guard i > methodStart, i < end, bytes[i] == 0x20 else {
            throw HTTPError(.badRequest, "request line does not start with a method token")
        }
        guard let method = knownMethod(bytes, methodStart, i) else {
            let method = string(bytes, methodStart, i)
            throw HTTPError(.notImplemented, "method \(HTTPError.quoted(method, limit: 32)) is not implemented")
        }
        i += 1
        let targetStart = i
        while i < end && bytes[i] > 0x20 && bytes[i] < 0x7F { i += 1 }
        guard i > targetStart, i < end, bytes[i] == 0x20 else {
            throw HTTPError(.badRequest, "request target is empty or contains a byte that is not visible ASCII")
        }
        if i - targetStart > limits.maxRequestLineBytes {
            throw HTTPError(.uriTooLong, "request target exceeds \(limits.maxRequestLineBytes) bytes")
        }
        let target = string(bytes, targetStart, i)
        i += 1
        let version = try parseVersion(bytes, &i, end)
        guard i + 1 < end, bytes[i] == 0x0D, bytes[i + 1] == 0x0A else {
            throw HTTPError(.badRequest, "request line does not end with CRLF after the version")
        }
        i += 2
        guard target.utf8.first == UInt8(ascii: "/") || target == "*" && method == "OPTIONS"
            || target.hasPrefix("http://") || target.hasPrefix("https://") else {
            throw HTTPError(.badRequest, "request target \"\(target.prefix(64))\" is not in origin or absolute form")
        }

        var headers = HTTPHeaders()
        swap(&headers, &storage)
        headers.removeAll(keepingCapacity: true)
        // The array goes back to `storage` however this ends; the head below shares it.
        defer { storage = headers }
        var contentLength: Int?
        var transferEncodings: [String] = []
        var sawTransferEncoding = false
        var hostCount = 0
        var connectionClose = false
        var connectionKeepAlive = false
        var expectsContinue = false
        var host: String?
        let headEnd = end - 2
        while i < headEnd {
            if bytes[i] == 0x20 || bytes[i] == 0x09 {
                throw HTTPError(.badRequest, "obsolete line folding (obs-fold) is not accepted")
            }
            let nameStart = i
            while i < headEnd && tokenTable[Int(bytes[i])] { i += 1 }
            guard i < headEnd else { throw HTTPError(.badRequest, "header line has no colon") }
            if bytes[i] != UInt8(ascii: ":") {
                if bytes[i] == 0x20 || bytes[i] == 0x09 {
                    throw HTTPError(.badRequest, "whitespace between header name and colon")
                }
                if i == nameStart && (bytes[i] == 0x0D || bytes[i] == 0x0A) {
                    throw HTTPError(.badRequest, "stray line ending in header section")
                }
                throw HTTPError(.badRequest, "header name contains a byte that is not a token character")
            }
            guard i > nameStart else { throw HTTPError(.badRequest, "header line has an empty name") }
            let nameEnd = i
            i += 1
            while i < headEnd && (bytes[i] == 0x20 || bytes[i] == 0x09) { i += 1 }
            let valueStart = i
            while i < headEnd {
                let byte = bytes[i]
                if byte == 0x0D { break }
                if (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                    throw HTTPError(.badRequest, "control byte 0x\(String(byte, radix: 16)) in a header value")
                }
                i += 1
            }
            guard i + 1 < end, bytes[i] == 0x0D, bytes[i + 1] == 0x0A else {
                throw HTTPError(.badRequest, "header line does not end with CRLF")
            }
            var valueEnd = i
            while valueEnd > valueStart && (bytes[valueEnd - 1] == 0x20 || bytes[valueEnd - 1] == 0x09) { valueEnd -= 1 }
            i += 2
            if headers.count >= limits.maxHeaderCount {
                throw HTTPError(.headerFieldsTooLarge, "more than \(limits.maxHeaderCount) header fields")
            }
            let name = commonFieldName(bytes, nameStart, nameEnd) ?? string(bytes, nameStart, nameEnd)
            let value = string(bytes, valueStart, valueEnd)
            headers.add(name, value)

            // Known names are compared on the bytes, and only when their length fits.
            switch nameEnd - nameStart {
            case 4 where namesMatch(bytes, nameStart, "host"):
                hostCount += 1
                guard isValidHost(UnsafeBufferPointer(rebasing: bytes[valueStart..<valueEnd])) else {
                    throw HTTPError(.badRequest, "Host \(HTTPError.quoted(value, limit: 64)) is not a host name or address with an optional :port")
                }
                if host == nil { host = value }
            case 6 where namesMatch(bytes, nameStart, "expect"):
                if asciiCaseInsensitiveEquals(value, "100-continue") {
                    expectsContinue = true
                } else {
                    throw HTTPError(.expectationFailed, "Expect: \(value.prefix(64)) is not supported")
                }
            case 10 where namesMatch(bytes, nameStart, "connection"):
                for token in value.split(separator: ",") {
                    let t = String(token.trimmingASCIISpaces())
                    if asciiCaseInsensitiveEquals(t, "close") { connectionClose = true }
                    if asciiCaseInsensitiveEquals(t, "keep-alive") { connectionKeepAlive = true }
                }
            case 14 where namesMatch(bytes, nameStart, "content-length"):
                for part in value.split(separator: ",", omittingEmptySubsequences: false) {
                    let length = try parseContentLength(part.trimmingASCIISpaces(), limits: limits)
                    if let previous = contentLength, previous != length {
                        throw HTTPError(.badRequest, "differing Content-Length values")
                    }
                    contentLength = length
                }
            case 17 where namesMatch(bytes, nameStart, "transfer-encoding"):
                // RFC 9110 5.6.1: empty list elements do not count.
                for part in value.split(separator: ",") {
                    let coding = part.trimmingASCIISpaces()
                    if !coding.isEmpty { transferEncodings.append(String(coding)) }
                }
                sawTransferEncoding = true
            default:
                break
            }
        }

        if version.minor >= 1 && hostCount != 1 {
            throw HTTPError(.badRequest, hostCount == 0 ? "HTTP/1.1 request without Host" : "more than one Host header")
        }
        if hostCount > 1 { throw HTTPError(.badRequest, "more than one Host header") }
        var isChunked = false
        if sawTransferEncoding && transferEncodings.isEmpty {
            throw HTTPError(.badRequest, "Transfer-Encoding names no transfer coding")
        }
        if !transferEncodings.isEmpty {
            if contentLength != nil {
                throw HTTPError(.badRequest, "both Content-Length and Transfer-Encoding (request smuggling shape)")
            }
            if version.minor == 0 {
                throw HTTPError(.badRequest, "Transfer-Encoding in an HTTP/1.0 request")
            }
            guard transferEncodings.count == 1, asciiCaseInsensitiveEquals(transferEncodings[0], "chunked") else {
                if let last = transferEncodings.last, !asciiCaseInsensitiveEquals(last, "chunked") {
                    throw HTTPError(.notImplemented, "Transfer-Encoding \"\(last.prefix(32))\" is not supported")
                }
                throw HTTPError(.notImplemented, "only a single \"chunked\" transfer coding is supported")
            }
            isChunked = true
        }
        if let contentLength, contentLength > limits.maxBodyBytes {
            throw HTTPError(.payloadTooLarge, "a request body is at most \(limits.maxBodyBytes) bytes; Content-Length says \(contentLength)")
        }
        let keepAlive = version.minor >= 1 ? !connectionClose : (connectionKeepAlive && !connectionClose)
        return HTTPRequestHead(method: method, target: target, version: version, headers: headers,
                               contentLength: contentLength, isChunked: isChunked, keepAlive: keepAlive,
                               expectsContinue: expectsContinue, host: host)
    }

    /// The methods this server implements (RFC 9110 9.3, RFC 5789); any other token is 501.
    /// Returned as string literals: no string is built or hashed per request.
    static func knownMethod(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String? {
        func equals(_ name: StaticString) -> Bool { spelled(bytes, from, name) }
        switch to - from {
        case 3: return equals("GET") ? "GET" : equals("PUT") ? "PUT" : nil
        case 4: return equals("HEAD") ? "HEAD" : equals("POST") ? "POST" : nil
        case 5: return equals("PATCH") ? "PATCH" : equals("TRACE") ? "TRACE" : nil
        case 6: return equals("DELETE") ? "DELETE" : nil
        case 7: return equals("OPTIONS") ? "OPTIONS" : equals("CONNECT") ? "CONNECT" : nil
        default: return nil
        }
    }

    /// The field names browsers and clients send most, spelled as they send them, are returned as
    /// literals (no string is built or checked for them); any other name or spelling is nil.
    static func commonFieldName(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String? {
        func equals(_ name: StaticString) -> Bool { spelled(bytes, from, name) }
        switch to - from {
        case 4: return equals("Host") ? "Host" : nil
        case 6: return equals("Accept") ? "Accept" : equals("Cookie") ? "Cookie" : equals("Origin") ? "Origin" : nil
        case 7: return equals("Referer") ? "Referer" : equals("Upgrade") ? "Upgrade" : nil
        case 10: return equals("Connection") ? "Connection" : equals("User-Agent") ? "User-Agent" : nil
        case 12: return equals("Content-Type") ? "Content-Type" : nil
        case 13: return equals("Cache-Control") ? "Cache-Control" : equals("If-None-Match") ? "If-None-Match" : nil
        case 14: return equals("Content-Length") ? "Content-Length" : nil
        case 15:
            return equals("Accept-Encoding") ? "Accept-Encoding" : equals("Accept-Language") ? "Accept-Language"
                : equals("X-Forwarded-For") ? "X-Forwarded-For" : nil
        case 17: return equals("If-Modified-Since") ? "If-Modified-Since" : equals("X-Forwarded-Proto") ? "X-Forwarded-Proto" : nil
        default: return nil
        }
    }

    /// True when the bytes at `from` are `name` exactly (the caller checked the length).
    @inline(__always)
    static func spelled(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ name: StaticString) -> Bool {
        let expected = name.utf8Start
        for offset in 0..<name.utf8CodeUnitCount where bytes[from + offset] != expected[offset] { return false }
        return true
    }

    /// True when the field name at `from` is `lowercased` in any case (the caller checked the length).
    @inline(__always)
    static func namesMatch(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ lowercased: StaticString) -> Bool {
        let count = lowercased.utf8CodeUnitCount
        let expected = lowercased.utf8Start
        for offset in 0..<count where asciiLower(bytes[from + offset]) != expected[offset] { return false }
        return true
    }

    /// `uri-host [ ":" port ]` (RFC 9112 3.2, RFC 3986 3.2.2): a reg-name (unreserved,
    /// pct-encoded, sub-delims), an IPv4 address or a bracketed IP literal, then digits. May be empty.
    static func isValidHost(_ value: String) -> Bool {
        var value = value
        return value.withUTF8 { isValidHost($0) }
    }

    static func isValidHost(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let end = bytes.count
        var i = 0
        if end > 0 && bytes[0] == UInt8(ascii: "[") {
            i = 1
            while i < end && bytes[i] != UInt8(ascii: "]") {
                guard isHostByte(bytes[i]) || bytes[i] == UInt8(ascii: ":") else { return false }
                i += 1
            }
            guard i < end, i > 1 else { return false }
            i += 1
        } else {
            while i < end && bytes[i] != UInt8(ascii: ":") {
                let byte = bytes[i]
                if byte == UInt8(ascii: "%") {
                    // Two hex digits (never a colon) before the port.
                    guard i + 2 < end, HTTPRequestParser.hexValue(bytes[i + 1]) != nil,
                          HTTPRequestParser.hexValue(bytes[i + 2]) != nil else { return false }
                    i += 3
                    continue
                }
                guard isHostByte(byte) else { return false }
                i += 1
            }
        }
        guard i < end else { return true }
        guard bytes[i] == UInt8(ascii: ":") else { return false }
        i += 1
        while i < end {
            guard bytes[i] >= 0x30 && bytes[i] <= 0x39 else { return false }
            i += 1
        }
        return true
    }

    /// unreserved / sub-delims (RFC 3986 2.2, 2.3).
    @inline(__always)
    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        case UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"),
             UInt8(ascii: "!"), UInt8(ascii: "$"), UInt8(ascii: "&"), UInt8(ascii: "'"), UInt8(ascii: "("),
             UInt8(ascii: ")"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: ","), UInt8(ascii: ";"),
             UInt8(ascii: "="):
            return true
        default:
            return false
        }
    }

    /// Validates one trailer field line (same rules as header lines); nil when fine.
    static func validateFieldLine(_ bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> HTTPError? {
        var i = from
        if bytes[i] == 0x20 || bytes[i] == 0x09 { return HTTPError(.badRequest, "obs-fold in trailer") }
        while i < to && tokenTable[Int(bytes[i])] { i += 1 }
        guard i > from, i < to, bytes[i] == UInt8(ascii: ":") else {
            return HTTPError(.badRequest, "malformed trailer field")
        }
        i += 1
        while i < to {
            let byte = bytes[i]
            if (byte < 0x20 && byte != 0x09) || byte == 0x7F {
                return HTTPError(.badRequest, "control byte in a trailer value")
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
            throw HTTPError(.badRequest, "request line does not end with an HTTP version")
        }
        let major = Int(bytes[i + 5] - 0x30)
        let minor = Int(bytes[i + 7] - 0x30)
        i += 8
        guard major == 1 else {
            throw HTTPError(.httpVersionNotSupported, "HTTP/\(major).\(minor) is not supported")
        }
        return HTTPVersion(major: 1, minor: minor == 0 ? 0 : 1)
    }

    private static func parseContentLength(_ text: Substring, limits: Limits) throws -> Int {
        guard !text.isEmpty, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            throw HTTPError(.badRequest, "Content-Length \"\(text.prefix(32))\" is not a number")
        }
        // Leading zeros carry no value: only the significant digits count against the limit.
        let significant = text.drop(while: { $0 == "0" })
        if significant.utf8.count > 15 {
            throw HTTPError(.payloadTooLarge, "Content-Length \(text.prefix(32)) exceeds \(limits.maxBodyBytes)")
        }
        return significant.isEmpty ? 0 : Int(significant) ?? Int.max
    }

    @inline(__always)
    static func string(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[from..<to]), as: UTF8.self)
    }
}
