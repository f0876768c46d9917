/// One numbered step of the schema: applied once, in order, inside its own transaction.
public struct Migration: Sendable {
    /// 1, 2, 3...: `PRAGMA user_version` is the last one applied.
    public let version: Int
    /// What it does, for the log: `sessions table`.
    public let name: String
    /// The SQL, run as one script.
    public let sql: String

    public init(_ version: Int, _ name: String, _ sql: String) {
        self.version = version
        self.name = name
        self.sql = sql
    }
}
