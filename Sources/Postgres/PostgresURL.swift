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
