/// Writes a response head as bytes: status line, the handler's fields, then the framing
/// fields the server owns (`Content-Length`, `Date`, `Connection`).
enum HTTPResponseEncoder {
    static func head(_ response: Response, version: HTTPVersion, keepAlive: Bool, date: String,
                     bodyLength: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256 + response.headers.count * 48)
        appendStatusAndFields(&out, response, version: version, bodyLength: bodyLength)
        appendDateAndConnection(&out, date: date, keepAlive: keepAlive, version: version, code: response.status.code)
        return out
    }

    /// The part of `head` that does not change between sends of one response over HTTP/1.1:
    /// status line, the handler's fields, `Content-Length`.
    static func encodedHead(_ response: Response, bodyLength: Int) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(128 + response.headers.count * 48)
        appendStatusAndFields(&out, response, version: .http1_1, bodyLength: bodyLength)
        return out
    }

    /// What follows `encodedHead` on HTTP/1.1: `Date`, `Connection: close` unless `keepAlive`, the
    /// blank line. The loops keep both forms per second (`EventLoop.headTail(keepAlive:)`).
    static func headTail(date: String, keepAlive: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        appendDateAndConnection(&out, date: date, keepAlive: keepAlive, version: .http1_1, code: 200)
        return out
    }

    private static func appendStatusAndFields(_ out: inout [UInt8], _ response: Response, version: HTTPVersion,
                                              bodyLength: Int) {
        out.append(contentsOf: version.minor == 0 ? http10 : http11)
        appendDecimal(&out, response.status.code)
        out.append(0x20)
        out.append(contentsOf: response.status.reason.utf8)
        out.append(contentsOf: crlf)
        for field in response.headers.fields {
            // Handlers build these; still, a CR or LF must never reach the wire (response splitting).
            appendSanitised(&out, field.name)
            out.append(contentsOf: colonSpace)
            appendSanitised(&out, field.value)
            out.append(contentsOf: crlf)
        }
        let code = response.status.code
        // A response that hands the connection on (`upgrade`) has no length: its body is what
        // the next handler writes until the connection closes (a Server-Sent Events stream).
        if code >= 200 && code != 204 && code != 304 && response.upgrade == nil {
            out.append(contentsOf: contentLengthPrefix)
            appendDecimal(&out, bodyLength)
            out.append(contentsOf: crlf)
        }
    }

    private static func appendDateAndConnection(_ out: inout [UInt8], date: String, keepAlive: Bool,
                                                version: HTTPVersion, code: Int) {
        out.append(contentsOf: datePrefix)
        out.append(contentsOf: date.utf8)
        out.append(contentsOf: crlf)
        if code != 101 {
            if !keepAlive {
                out.append(contentsOf: connectionClose)
            } else if version.minor == 0 {
                out.append(contentsOf: connectionKeepAlive)
            }
        }
        out.append(contentsOf: crlf)
    }

    static let continueHead: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)
    private static let http10: [UInt8] = Array("HTTP/1.0 ".utf8)
    private static let http11: [UInt8] = Array("HTTP/1.1 ".utf8)
    private static let crlf: [UInt8] = [0x0D, 0x0A]
    private static let colonSpace: [UInt8] = [0x3A, 0x20]
    private static let contentLengthPrefix: [UInt8] = Array("Content-Length: ".utf8)
    private static let datePrefix: [UInt8] = Array("Date: ".utf8)
    private static let connectionClose: [UInt8] = Array("Connection: close\r\n".utf8)
    private static let connectionKeepAlive: [UInt8] = Array("Connection: keep-alive\r\n".utf8)

    @inline(__always)
    private static func appendSanitised(_ out: inout [UInt8], _ text: String) {
        for byte in text.utf8 where byte != 0x0D && byte != 0x0A && byte != 0 { out.append(byte) }
    }

    @inline(__always)
    static func appendDecimal(_ out: inout [UInt8], _ value: Int) {
        if value < 10 {
            out.append(UInt8(0x30 + value))
            return
        }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var v = value
        withUnsafeMutableBytes(of: &digits) { raw in
            while v > 0 && count < 20 {
                raw[count] = UInt8(0x30 + v % 10)
                v /= 10
                count += 1
            }
            while count > 0 {
                count -= 1
                out.append(raw[count])
            }
        }
    }
}
