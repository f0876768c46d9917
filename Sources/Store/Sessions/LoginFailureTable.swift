/// `login_failures`: the login throttle's counts per key (`LoginFailureRecords`).
final class LoginFailureTable: LoginFailureRecords, ReadingTable, @unchecked Sendable {
    static let migrations = [
        Migration(11, "login throttle counts", """
            CREATE TABLE login_failures (
                key TEXT PRIMARY KEY,
                failures INTEGER NOT NULL,
                last_failure_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX login_failures_by_time ON login_failures(last_failure_at);
            """),
    ]

    /// Quiet keys deleted by one failure at most (500): a flood of new names costs each write little.
    static let purgeBatch = 500

    let writer: StoreWriter
    let readers: StoreReaders?

    init(writer: StoreWriter, readers: StoreReaders?) {
        self.writer = writer
        self.readers = readers
    }

    func failures(keys: [String], then: @escaping StoreCompletion<[String: LoginFailures]>) {
        read(then) { db in try LoginFailureTable.read(keys, db) }
    }

    static func read(_ keys: [String], _ db: SQLiteConnection) throws -> [String: LoginFailures] {
        let statement = try db.statement("SELECT failures, last_failure_at FROM login_failures WHERE key = ?")
        var found: [String: LoginFailures] = [:]
        for key in keys {
            found[key] = try statement.first([.text(key)]) { LoginFailures(failures: $0.int(0), lastFailureAt: $0.int(1)) }
        }
        return found
    }

    func recordFailure(keys: [String], at: Int, forgetBefore: Int,
                       then: @escaping StoreCompletion<[String: LoginFailures]>) {
        write(then) { db -> [String: LoginFailures] in
            let upsert = try db.statement("""
                INSERT INTO login_failures (key, failures, last_failure_at) VALUES (?, 1, ?)
                ON CONFLICT(key) DO UPDATE SET
                    failures = CASE WHEN last_failure_at < ? THEN 1 ELSE failures + 1 END,
                    last_failure_at = max(last_failure_at, excluded.last_failure_at)
                """)
            for key in keys { try upsert.run([.text(key), .int(at), .int(forgetBefore)]) }
            try db.statement("""
                DELETE FROM login_failures WHERE key IN
                    (SELECT key FROM login_failures WHERE last_failure_at < ? LIMIT \(LoginFailureTable.purgeBatch))
                """).run([.int(forgetBefore)])
            return try LoginFailureTable.read(keys, db)
        }
    }

    func forget(keys: [String], then: @escaping StoreCompletion<Void>) {
        write(then) { db in
            let delete = try db.statement("DELETE FROM login_failures WHERE key = ?")
            for key in keys { try delete.run([.text(key)]) }
        }
    }
}
