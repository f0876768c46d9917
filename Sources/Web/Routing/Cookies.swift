/// The cookies a request carries, from its `Cookie:` header(s), by name.
///
/// Parsing is lenient as RFC 6265 5.4 asks of servers: a malformed pair is skipped, not fatal.
/// It is also bounded: at most `maxCount` cookies are read, so a huge header cannot cost much.
public struct Cookies: Sendable {
    public private(set) var values: [String: String] = [:]

    public static let defaultMaxCount = 64

    public init() {}

    /// Parses `a=1; b="2"`. The first cookie of a name wins (browsers send the most specific first).
    public init(header: String?, maxCount: Int = Cookies.defaultMaxCount) {
        guard let header else { return }
        add(header: header, maxCount: maxCount)
    }

    public subscript(name: String) -> String? { values[name] }

    public var count: Int { values.count }

    mutating func add(header: String, maxCount: Int) {
        var seen = 0
        for pair in header.split(separator: ";", omittingEmptySubsequences: true) {
            if seen >= maxCount { return }
            seen += 1
            guard let equals = pair.firstIndex(of: "=") else { continue }
            let name = pair[..<equals].trimmingASCIISpaces()
            var value = pair[pair.index(after: equals)...].trimmingASCIISpaces()
            if value.utf8.count >= 2, value.first == "\"", value.last == "\"" {
                value = value.dropFirst().dropLast()
            }
            guard Cookies.isToken(name), value.utf8.allSatisfy(Cookies.isLenientValueByte) else { continue }
            if values[String(name)] == nil { values[String(name)] = String(value) }
        }
    }

    /// RFC 9110 token (`tchar`s), which is what a cookie name (and a method) must be.
    static func isToken<S: StringProtocol>(_ text: S) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { HTTPHeadParser.tokenTable[Int($0)] }
    }

    /// RFC 6265 cookie-octet: what a server may put in a value (no space, `"`, `,`, `;`, `\`, controls).
    static func isValueByte(_ byte: UInt8) -> Bool {
        byte == 0x21 || (0x23...0x2B).contains(byte) || (0x2D...0x3A).contains(byte)
            || (0x3C...0x5B).contains(byte) || (0x5D...0x7E).contains(byte)
    }

    /// Reading is looser than writing (old clients send spaces and commas), but control bytes
    /// and stray quotes still mark a pair as garbage.
    static func isLenientValueByte(_ byte: UInt8) -> Bool {
        byte >= 0x20 && byte != 0x7F && byte != UInt8(ascii: "\"")
    }
}

extension Request {
    /// The request's cookies. Parsed on each call: keep the result if you need it twice.
    public var cookies: Cookies {
        var cookies = Cookies()
        for header in headers.values("Cookie") {
            cookies.add(header: header, maxCount: Cookies.defaultMaxCount)
        }
        return cookies
    }
}
