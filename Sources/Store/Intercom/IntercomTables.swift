/// `intercom_grant` (at most one row), `intercom_used_codes` and `intercom_openings`.
final class IntercomTables: IntercomRecords, @unchecked Sendable {
    static let migrations = [
        Migration(3, "intercom tables", """
            CREATE TABLE intercom_grant (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                started_at INTEGER NOT NULL,
                until INTEGER NOT NULL,
                by TEXT NOT NULL
            );
            CREATE TABLE intercom_used_codes (
                code TEXT PRIMARY KEY,
                used_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE TABLE intercom_openings (
                id INTEGER PRIMARY KEY,
                at INTEGER NOT NULL,
                how TEXT NOT NULL,
                caller TEXT NOT NULL
            );
            """),
    ]

    private let writer: StoreWriter

    init(writer: StoreWriter) { self.writer = writer }

    func loadNow(openingLimit: Int) throws -> StoredIntercom {
        try writer.writeAndWait { db in try IntercomTables.load(db, openingLimit: openingLimit) }
    }

    static func load(_ db: SQLiteConnection, openingLimit: Int) throws -> StoredIntercom {
        let grant = try db.statement("SELECT started_at, until, by FROM intercom_grant WHERE id = 1").first { row in
            StoredIntercom.Grant(startedAt: row.int(0), until: row.int(1), by: row.text(2))
        }
        let codes = try db.statement("SELECT code FROM intercom_used_codes").rows { $0.text(0) }
        let openings = try db.statement("SELECT at, how, caller FROM intercom_openings ORDER BY at DESC, id DESC LIMIT ?")
            .rows([.int(openingLimit)]) { StoredIntercom.Opening(at: $0.int(0), how: $0.text(1), from: $0.text(2)) }
        return StoredIntercom(grant: grant, usedCodes: Set(codes), openings: openings)
    }

    func setGrant(_ grant: StoredIntercom.Grant?, then: @escaping StoreCompletion<Void>) {
        submit(then) { db in try IntercomTables.setGrant(grant, db) }
    }

    static func setGrant(_ grant: StoredIntercom.Grant?, _ db: SQLiteConnection) throws {
        if let grant {
            try db.statement("""
                INSERT INTO intercom_grant (id, started_at, until, by) VALUES (1, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET started_at = excluded.started_at, until = excluded.until, by = excluded.by
                """).run([.int(grant.startedAt), .int(grant.until), .text(grant.by)])
        } else {
            try db.statement("DELETE FROM intercom_grant").run()
        }
    }

    func useCode(_ code: String, at: Int, then: @escaping StoreCompletion<Bool>) {
        let queued = writer.write({ db in
            try db.statement("INSERT INTO intercom_used_codes (code, used_at) VALUES (?, ?) ON CONFLICT(code) DO NOTHING")
                .run([.text(code), .int(at)]) == 1
        }, then: then)
        if !queued { then(.failure(.queueFull)) }
    }

    func recordOpening(_ opening: StoredIntercom.Opening, keep: Int, then: @escaping StoreCompletion<Void>) {
        submit(then) { db in try IntercomTables.record(opening, keep: keep, db) }
    }

    static func record(_ opening: StoredIntercom.Opening, keep: Int, _ db: SQLiteConnection) throws {
        try db.statement("INSERT INTO intercom_openings (at, how, caller) VALUES (?, ?, ?)")
            .run([.int(opening.at), .text(opening.how), .text(opening.from)])
        try db.statement("""
            DELETE FROM intercom_openings WHERE id NOT IN (SELECT id FROM intercom_openings ORDER BY at DESC, id DESC LIMIT ?)
            """).run([.int(keep)])
    }

    func importNow(_ state: StoredIntercom) throws {
        try writer.writeAndWait { db in
            try IntercomTables.setGrant(state.grant, db)
            for code in state.usedCodes.sorted() {
                try db.statement("INSERT INTO intercom_used_codes (code, used_at) VALUES (?, 0) ON CONFLICT(code) DO NOTHING")
                    .run([.text(code)])
            }
            for opening in state.openings.reversed() {
                try IntercomTables.record(opening, keep: max(state.openings.count, 1000), db)
            }
        }
    }

    private func submit(_ then: @escaping StoreCompletion<Void>, _ body: @escaping (SQLiteConnection) throws -> Void) {
        if !writer.write(body, then: then) { then(.failure(StoreError.queueFull)) }
    }
}
