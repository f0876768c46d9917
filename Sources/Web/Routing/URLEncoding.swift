/// Percent-encoding (RFC 3986) and `application/x-www-form-urlencoded` (WHATWG URL, "+" is a space).
///
/// Decoding is strict: a bad escape or invalid UTF-8 is an error naming the text, never guessed at,
/// because a lenient decoder lets two parties read one input two ways.
public enum URLEncoding {
    /// Decodes `%XX` escapes (and `+` as a space when `plusAsSpace`).
    public static func percentDecode<S: StringProtocol>(_ text: S, plusAsSpace: Bool = false) throws -> String {
        let needsWork = text.utf8.contains { $0 == percent || (plusAsSpace && $0 == plus) }
        if !needsWork { return String(text) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        let utf8 = Array(text.utf8)
        var i = 0
        while i < utf8.count {
            let byte = utf8[i]
            if byte == percent {
                guard i + 2 < utf8.count,
                      let high = HTTPRequestParser.hexValue(utf8[i + 1]),
                      let low = HTTPRequestParser.hexValue(utf8[i + 2]) else {
                    let escape = utf8[i..<min(i + 3, utf8.count)]
                    throw URLEncodingError(.badEscape(String(decoding: escape, as: UTF8.self)), in: String(text))
                }
                bytes.append(UInt8(high << 4 | low))
                i += 3
            } else {
                bytes.append(plusAsSpace && byte == plus ? space : byte)
                i += 1
            }
        }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw URLEncodingError(.invalidUTF8, in: String(text))
        }
        return decoded
    }

    /// Splits and decodes `a=1&b=x+y`: pairs in order, duplicates kept, empty pairs skipped,
    /// a name without `=` gets the value "".
    public static func decodeForm(_ text: String) throws -> [(String, String)] {
        var text = text
        return try text.withUTF8 { try decodeForm(utf8: $0) }
    }

    /// Decodes a form body held as bytes; non-UTF-8 bytes are an error, like bad escapes.
    public static func decodeForm(bytes: [UInt8]) throws -> [(String, String)] {
        try bytes.withUnsafeBufferPointer { try decodeForm(utf8: $0) }
    }

    /// One pass over the bytes: `&` and `=` found by byte (never by Character, which would
    /// need grapheme breaking), each part decoded into one reused scratch buffer.
    private static func decodeForm(utf8 bytes: UnsafeBufferPointer<UInt8>) throws -> [(String, String)] {
        var items: [(String, String)] = []
        var scratch: [UInt8] = []
        scratch.reserveCapacity(64)
        var start = 0
        let count = bytes.count
        while start < count {
            var end = start
            while end < count && bytes[end] != ampersand { end += 1 }
            if end > start {
                var equals = start
                while equals < end && bytes[equals] != equalsSign { equals += 1 }
                let name = try decodeFormPart(bytes, start, equals, pair: start..<end, scratch: &scratch)
                let value = equals < end
                    ? try decodeFormPart(bytes, equals + 1, end, pair: start..<end, scratch: &scratch) : ""
                items.append((name, value))
            }
            start = end + 1
        }
        return items
    }

    /// Decodes `bytes[from..<to]` (`%XX`, `+` as space). Errors name the whole pair, so
    /// "b=%G1" tells the sender which field was wrong.
    private static func decodeFormPart(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, pair: Range<Int>,
                                       scratch: inout [UInt8]) throws -> String {
        scratch.removeAll(keepingCapacity: true)
        var i = from
        while i < to {
            let byte = bytes[i]
            if byte == percent {
                guard i + 2 < to, let high = HTTPRequestParser.hexValue(bytes[i + 1]),
                      let low = HTTPRequestParser.hexValue(bytes[i + 2]) else {
                    let escape = String(decoding: UnsafeBufferPointer(rebasing: bytes[i..<min(i + 3, to)]), as: UTF8.self)
                    throw URLEncodingError(.badEscape(escape), in: text(bytes, pair))
                }
                scratch.append(UInt8(high << 4 | low))
                i += 3
            } else {
                scratch.append(byte == plus ? space : byte)
                i += 1
            }
        }
        guard let decoded = String(validating: scratch, as: UTF8.self) else {
            throw URLEncodingError(.invalidUTF8, in: text(bytes, pair))
        }
        return decoded
    }

    private static func text(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range.lowerBound..<min(range.upperBound, range.lowerBound + 200)]),
               as: UTF8.self)
    }

    /// Encodes everything but RFC 3986 unreserved characters (`A-Z a-z 0-9 - . _ ~`), so the
    /// result is safe in a path segment, a query name or value, and a form field.
    public static func encodeComponent(_ text: String) -> String {
        if text.utf8.allSatisfy(isUnreserved) { return text }
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count * 3)
        for byte in text.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(percent)
                out.append(hexDigits[Int(byte >> 4)])
                out.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// `a=1&b=x%20y`, for building query strings and form bodies.
    public static func encodeForm(_ items: [(String, String)]) -> String {
        items.map { encodeComponent($0.0) + "=" + encodeComponent($0.1) }.joined(separator: "&")
    }

    private static let percent = UInt8(ascii: "%")
    private static let plus = UInt8(ascii: "+")
    private static let space = UInt8(ascii: " ")
    private static let ampersand = UInt8(ascii: "&")
    private static let equalsSign = UInt8(ascii: "=")
    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
             UInt8(ascii: "_"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
