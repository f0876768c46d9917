/// What went wrong talking to PostgreSQL, naming the server (password hidden), the statement
/// or the column involved, and PostgreSQL's own words.
public enum PostgresError: Error, Equatable, CustomStringConvertible {
    /// The URL is not a `postgresql://` (or `postgres://`) URL libpq can read.
    case badURL(String, reason: String)
    /// No connection could be made (server down, wrong credentials, TLS refused, ...).
    case connect(server: String, message: String)
    /// The connection broke (server restarted or unreachable); retrying on a new one may work.
    case connectionLost(server: String, message: String)
    /// The server refused a statement; `sqlState` is PostgreSQL's five-character code.
    case statement(sql: String, sqlState: String, message: String)
    /// A column did not hold what the caller asked for.
    case badColumn(name: String, expected: String, found: String)
    /// A column name or index the result does not have.
    case noColumn(String)
    /// A LISTEN channel name outside [a-z0-9_], at most 63 characters.
    case badChannel(String)
    /// The pool was closed.
    case closed

    public var description: String {
        switch self {
        case let .badURL(url, reason):
            return "[store] url \"\(url)\": \(reason)"
        case let .connect(server, message):
            return "cannot connect to PostgreSQL at \(server): \(message)"
        case let .connectionLost(server, message):
            return "lost the connection to PostgreSQL at \(server): \(message)"
        case let .statement(sql, state, message):
            return "PostgreSQL refused \"\(PostgresError.shortened(sql))\" (SQLSTATE \(state)): \(message)"
        case let .badColumn(name, expected, found):
            return "column \"\(name)\" holds \(found), not \(expected)"
        case let .noColumn(name):
            return "the result has no column \(name)"
        case let .badChannel(name):
            return "\"\(name)\" is not a channel name: use at most 63 of a-z, 0-9 and _"
        case .closed:
            return "the PostgreSQL pool is closed"
        }
    }

    /// True when the error is about the connection rather than the statement: a retry on a
    /// fresh connection may succeed.
    public var isConnectionProblem: Bool {
        switch self {
        case .connect, .connectionLost, .closed: return true
        case let .statement(_, state, _):
            // Class 08: connection exception; 57P01..57P03: admin shutdown, crash shutdown, cannot connect now.
            return state.hasPrefix("08") || state == "57P01" || state == "57P02" || state == "57P03"
        default: return false
        }
    }

    static func shortened(_ sql: String) -> String {
        let line = sql.split(whereSeparator: { $0 == "\n" }).map { $0.trimmingSpaces() }.joined(separator: " ")
        return line.count > 80 ? String(line.prefix(77)) + "..." : line
    }
}

extension Substring {
    func trimmingSpaces() -> Substring {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text
    }
}
