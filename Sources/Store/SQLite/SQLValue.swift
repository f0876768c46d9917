/// A value bound to a `?` of a prepared statement: SQLite's storage classes, typed.
public enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case blob([UInt8])

    /// `.int` or `.null`.
    public static func int(_ value: Int?) -> SQLValue { value.map { .int(Int64($0)) } ?? .null }
    /// `.text` or `.null`.
    public static func text(_ value: String?) -> SQLValue { value.map { .text($0) } ?? .null }
}
