/// A `postgresql://` URL as `[store] url` gives it. libpq reads the URL itself (host, port,
/// Unix-socket folder as `?host=/run/postgresql`, `sslmode`, `sslrootcert`, ...); this type only
/// checks that it is one and keeps a form without the password for logs and errors.
public struct PostgresURL: Equatable, Sendable, CustomStringConvertible {
    /// The URL as written, password included: given to libpq only.
    public let text: String
    /// The URL with any password replaced by `***`.
    public let redacted: String

    public init(_ text: String) throws {
        guard text.hasPrefix("postgresql://") || text.hasPrefix("postgres://") else {
            throw PostgresError.badURL(text, reason: "must start with postgresql://")
        }
        guard !text.utf8.contains(where: { $0 < 0x20 || $0 == 0x7F }) else {
            throw PostgresError.badURL(PostgresURL.redact(text), reason: "has a control character")
        }
        self.text = text
        self.redacted = PostgresURL.redact(text)
    }

    public var description: String { redacted }

    /// The URL without its password (in the authority or a `password=` parameter), and the
    /// password percent-decoded: for a program that should get the password by environment.
    public var withoutPassword: (url: String, password: String?) {
        var out = text
        var password: String?
        if let schemeEnd = out.range(of: "://") {
            let rest = out[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                password = PostgresURL.percentDecoded(out[out.index(after: colon)..<at])
                out.removeSubrange(colon..<at)
            }
        }
        if let query = out.firstIndex(of: "?") {
            var kept: [Substring] = []
            for part in out[out.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false) {
                if part.hasPrefix("password=") {
                    password = PostgresURL.percentDecoded(part.dropFirst("password=".count))
                } else {
                    kept.append(part)
                }
            }
            out = String(out[..<query]) + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        }
        return (out, password)
    }

    /// `%41` -> `A`; a `%` not followed by two hex digits stays as it is.
    static func percentDecoded(_ text: Substring) -> String {
        var bytes: [UInt8] = []
        let utf8 = Array(text.utf8)
        var index = 0
        while index < utf8.count {
            if utf8[index] == UInt8(ascii: "%"), index + 2 < utf8.count,
               let high = PostgresRow.hexDigit(utf8[index + 1]), let low = PostgresRow.hexDigit(utf8[index + 2]) {
                bytes.append(high << 4 | low)
                index += 3
            } else {
                bytes.append(utf8[index])
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether `text` names PostgreSQL rather than a file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgresql://") || text.hasPrefix("postgres://")
    }

    /// `postgresql://user:secret@host/db` -> `postgresql://user:***@host/db`; a `password=`
    /// query parameter is hidden too.
    static func redact(_ text: String) -> String {
        var out = text
        if let schemeEnd = out.range(of: "://") {
            let rest = out[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                out.replaceSubrange(out.index(after: colon)..<at, with: "***")
            }
        }
        if let query = out.firstIndex(of: "?") {
            let parts = out[out.index(after: query)...].split(separator: "&", omittingEmptySubsequences: false)
            let hidden = parts.map { $0.hasPrefix("password=") ? "password=***" : String($0) }
            out = String(out[...query]) + hidden.joined(separator: "&")
        }
        return out
    }
}

extension String {
    func range(of needle: String) -> Range<String.Index>? {
        guard !needle.isEmpty else { return nil }
        var start = startIndex
        while start < endIndex {
            if self[start...].hasPrefix(needle) {
                return start..<index(start, offsetBy: needle.count)
            }
            start = index(after: start)
        }
        return nil
    }
}
