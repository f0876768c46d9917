import Postgres

/// `notices` on PostgreSQL. Several instances poll the same queue, so `due` claims what it
/// returns: the rows are taken with `FOR UPDATE SKIP LOCKED` and their next try moved a lease
/// ahead, so no other instance sends them meanwhile. `delivered`/`failed` settle them; an
/// instance that dies mid-send leaves them to be tried again when the lease runs out.
final class PostgresNoticeTable: NoticeRecords, WritingTable, @unchecked Sendable {
    static let migrations = [
        Migration(5, "notices queue", """
            CREATE TABLE notices (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                kind text NOT NULL,
                payload text NOT NULL,
                created_at bigint NOT NULL,
                attempts bigint NOT NULL DEFAULT 0,
                next_at bigint,
                last_error text
            );
            CREATE INDEX notices_due ON notices (next_at) WHERE next_at IS NOT NULL;
            """),
    ]

    /// Seconds a claimed notice stays with the instance that claimed it (300).
    static let leaseSeconds = 300

    let writer: PostgresStoreWriter

    init(writer: PostgresStoreWriter) { self.writer = writer }

    func enqueue(kind: String, payload: String, at: Int, then: @escaping StoreCompletion<Int>) {
        write(then) { db in
            let row = try db.query("INSERT INTO notices (kind, payload, created_at, next_at) VALUES ($1, $2, $3, $3) RETURNING id",
                                   [.text(kind), .text(payload), .int(at)]).first
            return Int(try row?.int("id") ?? 0)
        }
    }

    func due(now: Int, limit: Int, then: @escaping StoreCompletion<[QueuedNotice]>) {
        write(then) { db in
            let rows = try db.query("""
                WITH claimed AS (
                    SELECT id, next_at FROM notices WHERE next_at IS NOT NULL AND next_at <= $1
                    ORDER BY next_at, id LIMIT $2 FOR UPDATE SKIP LOCKED
                )
                UPDATE notices SET next_at = $3 FROM claimed WHERE notices.id = claimed.id
                RETURNING notices.id, notices.kind, notices.payload, notices.attempts, claimed.next_at AS due_at
                """, [.int(now), .int(limit), .int(now + PostgresNoticeTable.leaseSeconds)])
            return try rows.all.map { row in
                QueuedNotice(id: Int(try row.int("id")), kind: try row.string("kind"), payload: try row.string("payload"),
                             attempts: Int(try row.int("attempts")), nextAt: Int(try row.int("due_at")))
            }.sorted { ($0.nextAt, $0.id) < ($1.nextAt, $1.id) }
        }
    }

    func delivered(id: Int, then: @escaping StoreCompletion<Void>) {
        write(then) { db in _ = try db.query("DELETE FROM notices WHERE id = $1", [.int(id)]) }
    }

    func failed(id: Int, attempts: Int, nextAt: Int?, error: String, then: @escaping StoreCompletion<Void>) {
        write(then) { db in
            _ = try db.query("UPDATE notices SET attempts = $1, next_at = $2, last_error = $3 WHERE id = $4",
                             [.int(attempts), .int(nextAt), .text(String(error.prefix(500))), .int(id)])
        }
    }
}
