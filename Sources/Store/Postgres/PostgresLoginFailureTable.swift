import Postgres

/// `login_failures` on PostgreSQL: the same rows and rules as `LoginFailureTable`; every
/// instance on the database counts into the same rows.
final class PostgresLoginFailureTable: LoginFailureRecords, ReadingTable, @unchecked Sendable {
    static let migrations = [
        Migration(11, "login throttle counts", """
            CREATE TABLE login_failures (
                key text PRIMARY KEY,
                failures integer NOT NULL,
                last_failure_at bigint NOT NULL
            );
            CREATE INDEX login_failures_by_time ON login_failures(last_failure_at);
            """),
    ]

    let writer: PostgresStoreWriter
    let readers: PostgresStoreReaders?

    init(writer: PostgresStoreWriter, readers: PostgresStoreReaders) {
        self.writer = writer
        self.readers = readers
    }

    func failures(keys: [String], then: @escaping StoreCompletion<[String: LoginFailures]>) {
        read(then) { db in
            try PostgresLoginFailureTable.counts(db.query(
                "SELECT key, failures, last_failure_at FROM login_failures WHERE key = ANY($1::text[])", [.array(keys)]))
        }
    }

    func recordFailure(keys: [String], at: Int, forgetBefore: Int,
                       then: @escaping StoreCompletion<[String: LoginFailures]>) {
        write(then) { db -> [String: LoginFailures] in
            // Sorted keys: two instances counting the same keys lock their rows in one order.
            let counts = try PostgresLoginFailureTable.counts(db.query("""
                INSERT INTO login_failures (key, failures, last_failure_at)
                SELECT key, 1, $2 FROM unnest($1::text[]) AS key ORDER BY key
                ON CONFLICT (key) DO UPDATE SET
                    failures = CASE WHEN login_failures.last_failure_at < $3 THEN 1 ELSE login_failures.failures + 1 END,
                    last_failure_at = greatest(login_failures.last_failure_at, excluded.last_failure_at)
                RETURNING key, failures, last_failure_at
                """, [.array(Set(keys).sorted()), .int(at), .int(forgetBefore)]))
            try db.query("""
                DELETE FROM login_failures WHERE key IN
                    (SELECT key FROM login_failures WHERE last_failure_at < $1 LIMIT \(LoginFailureTable.purgeBatch)
                     FOR UPDATE SKIP LOCKED)
                """, [.int(forgetBefore)])
            return counts
        }
    }

    func forget(keys: [String], then: @escaping StoreCompletion<Void>) {
        write({ then($0.map { _ in }) }) { db in
            try db.query("DELETE FROM login_failures WHERE key = ANY($1::text[])", [.array(keys)])
        }
    }

    static func counts(_ rows: PostgresRows) throws -> [String: LoginFailures] {
        var found: [String: LoginFailures] = [:]
        for row in rows.all {
            found[try row.string("key")] = LoginFailures(failures: Int(try row.int("failures")),
                                                         lastFailureAt: Int(try row.int("last_failure_at")))
        }
        return found
    }
}
