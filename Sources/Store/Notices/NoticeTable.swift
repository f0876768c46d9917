/// `notices`: emails and hooks waiting to go out, and those given up on (kept with their error).
final class NoticeTable: NoticeRecords, WritingTable, @unchecked Sendable {
    static let migrations = [
        Migration(5, "notices queue", """
            CREATE TABLE notices (
                id INTEGER PRIMARY KEY,
                kind TEXT NOT NULL,
                payload TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                attempts INTEGER NOT NULL DEFAULT 0,
                next_at INTEGER,
                last_error TEXT
            );
            CREATE INDEX notices_due ON notices (next_at) WHERE next_at IS NOT NULL;
            """),
    ]

    let writer: StoreWriter

    init(writer: StoreWriter) { self.writer = writer }

    func enqueue(kind: String, payload: String, at: Int, then: @escaping StoreCompletion<Int>) {
        write(then) { db in
            try db.statement("INSERT INTO notices (kind, payload, created_at, next_at) VALUES (?, ?, ?, ?)")
                .run([.text(kind), .text(payload), .int(at), .int(at)])
            return try db.integer("SELECT last_insert_rowid()")
        }
    }

    func due(now: Int, limit: Int, then: @escaping StoreCompletion<[QueuedNotice]>) {
        write(then) { db in
            try db.statement("""
                SELECT id, kind, payload, attempts, next_at FROM notices WHERE next_at IS NOT NULL AND next_at <= ?
                ORDER BY next_at, id LIMIT ?
                """).rows([.int(now), .int(limit)]) { row in
                QueuedNotice(id: row.int(0), kind: row.text(1), payload: row.text(2), attempts: row.int(3), nextAt: row.int(4))
            }
        }
    }

    func delivered(id: Int, then: @escaping StoreCompletion<Void>) {
        write(then) { db in _ = try db.statement("DELETE FROM notices WHERE id = ?").run([.int(id)]) }
    }

    func failed(id: Int, attempts: Int, nextAt: Int?, error: String, then: @escaping StoreCompletion<Void>) {
        write(then) { db in
            _ = try db.statement("UPDATE notices SET attempts = ?, next_at = ?, last_error = ? WHERE id = ?")
                .run([.int(attempts), .int(nextAt), .text(String(error.prefix(500))), .int(id)])
        }
    }
}
