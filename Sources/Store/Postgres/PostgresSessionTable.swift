import Postgres

/// `sessions` on PostgreSQL: the same rows and rules as `SessionTable`.
final class PostgresSessionTable: SessionRecords, WritingTable, @unchecked Sendable {
    static let migrations = [
        Migration(1, "sessions table", """
            CREATE TABLE sessions (
                key text PRIMARY KEY,
                "user" text NOT NULL,
                csrf text NOT NULL,
                created_at bigint NOT NULL,
                last_seen bigint NOT NULL
            );
            CREATE INDEX sessions_by_user ON sessions("user");
            """),
    ]

    let writer: PostgresStoreWriter
    /// Prefixes this instance's `shetphone_sessions` notifications (see `PostgresBus`).
    private let instance: String

    init(writer: PostgresStoreWriter, instance: String) {
        self.writer = writer
        self.instance = instance
    }

    func loadAll() throws -> [StoredSession] {
        try writer.writeAndWait { db in
            try db.query("SELECT key, \"user\", csrf, created_at, last_seen FROM sessions").all.map(PostgresSessionTable.make)
        }
    }

    static func make(_ row: PostgresRow) throws -> StoredSession {
        StoredSession(key: try row.string("key"), user: try row.string("user"), csrfToken: try row.string("csrf"),
                      createdAt: Int(try row.int("created_at")), lastSeen: Int(try row.int("last_seen")))
    }

    /// The session with this key, if any instance saved it (a login made on another instance).
    func find(key: String, then: @escaping StoreCompletion<StoredSession?>) {
        write(then) { db in
            try db.query("SELECT key, \"user\", csrf, created_at, last_seen FROM sessions WHERE key = $1", [.text(key)])
                .first.map(PostgresSessionTable.make)
        }
    }

    func save(_ session: StoredSession, then: @escaping StoreCompletion<Void>) {
        write(then) { [instance] db in
            try db.query("""
                INSERT INTO sessions (key, "user", csrf, created_at, last_seen) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (key) DO UPDATE SET last_seen = greatest(sessions.last_seen, excluded.last_seen)
                """, [.text(session.key), .text(session.user), .text(session.csrfToken),
                      .int(session.createdAt), .int(session.lastSeen)])
            // Other instances learn of the login at this commit (before the browser is answered).
            try db.notify(channel: PostgresBus.sessionChannel, payload: instance + "\n+" + session.key)
        }
    }

    func touch(_ lastSeen: [(key: String, at: Int)], then: @escaping StoreCompletion<Void>) {
        write(then) { [instance] db in
            try db.query("""
                UPDATE sessions SET last_seen = greatest(sessions.last_seen, seen.at)
                FROM unnest($1::text[], $2::bigint[]) AS seen(key, at) WHERE sessions.key = seen.key
                """, [.array(lastSeen.map(\.key)), .array(lastSeen.map(\.at))])
            // Other instances slide their copy too, so none expires a login still in use here.
            for (key, at) in lastSeen {
                try db.notify(channel: PostgresBus.sessionChannel, payload: instance + "\n~" + key + " \(at)")
            }
        }
    }

    func delete(keys: [String], then: @escaping StoreCompletion<Void>) {
        write(then) { [instance] db in
            for key in keys {
                try db.query("DELETE FROM sessions WHERE key = $1", [.text(key)])
                try db.notify(channel: PostgresBus.sessionChannel, payload: instance + "\n-" + key)
            }
        }
    }
}
