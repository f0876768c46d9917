/// `sessions`: one row per login, keyed by the SHA-256 of the session id.
final class SessionTable: SessionRecords, WritingTable, @unchecked Sendable {
    static let migrations = [
        Migration(1, "sessions table", """
            CREATE TABLE sessions (
                key TEXT PRIMARY KEY,
                user TEXT NOT NULL,
                csrf TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                last_seen INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX sessions_by_user ON sessions(user);
            """),
    ]

    let writer: StoreWriter

    init(writer: StoreWriter) { self.writer = writer }

    func loadAll() throws -> [StoredSession] {
        try writer.writeAndWait { db in
            try db.statement("SELECT key, user, csrf, created_at, last_seen FROM sessions").rows { row in
                StoredSession(key: row.text(0), user: row.text(1), csrfToken: row.text(2),
                              createdAt: row.int(3), lastSeen: row.int(4))
            }
        }
    }

    func save(_ session: StoredSession, then: @escaping StoreCompletion<Void>) {
        write(then) { db in
            try db.statement("""
                INSERT INTO sessions (key, user, csrf, created_at, last_seen) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT(key) DO UPDATE SET last_seen = max(last_seen, excluded.last_seen)
                """).run([.text(session.key), .text(session.user), .text(session.csrfToken),
                          .int(session.createdAt), .int(session.lastSeen)])
        }
    }

    func touch(_ lastSeen: [(key: String, at: Int)], then: @escaping StoreCompletion<Void>) {
        write(then) { db in
            let statement = try db.statement("UPDATE sessions SET last_seen = max(last_seen, ?) WHERE key = ?")
            for (key, at) in lastSeen { try statement.run([.int(at), .text(key)]) }
        }
    }

    func delete(keys: [String], then: @escaping StoreCompletion<Void>) {
        write(then) { db in
            let statement = try db.statement("DELETE FROM sessions WHERE key = ?")
            for key in keys { try statement.run([.text(key)]) }
        }
    }
}
