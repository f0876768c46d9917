import Postgres

/// The intercom's tables on PostgreSQL: the same rows and rules as `IntercomTables`.
final class PostgresIntercomTables: IntercomRecords, @unchecked Sendable {
    static let migrations = [
        Migration(3, "intercom tables", """
            CREATE TABLE intercom_grant (
                id integer PRIMARY KEY CHECK (id = 1),
                started_at bigint NOT NULL,
                until bigint NOT NULL,
                by text NOT NULL
            );
            CREATE TABLE intercom_used_codes (
                code text PRIMARY KEY,
                used_at bigint NOT NULL
            );
            CREATE TABLE intercom_openings (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at bigint NOT NULL,
                how text NOT NULL,
                caller text NOT NULL
            );
            """),
    ]

    private let writer: PostgresStoreWriter

    init(writer: PostgresStoreWriter) { self.writer = writer }

    func loadNow(openingLimit: Int) throws -> StoredIntercom {
        try writer.writeAndWait { db in
            let grant = try db.query("SELECT started_at, until, by FROM intercom_grant WHERE id = 1").first.map { row in
                StoredIntercom.Grant(startedAt: Int(try row.int("started_at")), until: Int(try row.int("until")),
                                     by: try row.string("by"))
            }
            let codes = try db.query("SELECT code FROM intercom_used_codes").all.map { try $0.string("code") }
            let openings = try db.query("SELECT at, how, caller FROM intercom_openings ORDER BY at DESC, id DESC LIMIT $1",
                                        [.int(openingLimit)]).all.map { row in
                StoredIntercom.Opening(at: Int(try row.int("at")), how: try row.string("how"), from: try row.string("caller"))
            }
            return StoredIntercom(grant: grant, usedCodes: Set(codes), openings: openings)
        }
    }

    func setGrant(_ grant: StoredIntercom.Grant?, then: @escaping StoreCompletion<Void>) {
        submit(then) { db in try PostgresIntercomTables.setGrant(grant, db) }
    }

    static func setGrant(_ grant: StoredIntercom.Grant?, _ db: PostgresConnection) throws {
        if let grant {
            try db.query("""
                INSERT INTO intercom_grant (id, started_at, until, by) VALUES (1, $1, $2, $3)
                ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, until = excluded.until, by = excluded.by
                """, [.int(grant.startedAt), .int(grant.until), .text(grant.by)])
        } else {
            try db.query("DELETE FROM intercom_grant")
        }
    }

    func useCode(_ code: String, at: Int, then: @escaping StoreCompletion<Bool>) {
        let queued = writer.write({ db in
            try db.query("INSERT INTO intercom_used_codes (code, used_at) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING",
                         [.text(code), .int(at)]).affected == 1
        }, then: then)
        if !queued { then(.failure(.queueFull)) }
    }

    func recordOpening(_ opening: StoredIntercom.Opening, keep: Int, then: @escaping StoreCompletion<Void>) {
        submit(then) { db in try PostgresIntercomTables.record(opening, keep: keep, db) }
    }

    static func record(_ opening: StoredIntercom.Opening, keep: Int, _ db: PostgresConnection) throws {
        try db.query("INSERT INTO intercom_openings (at, how, caller) VALUES ($1, $2, $3)",
                     [.int(opening.at), .text(opening.how), .text(opening.from)])
        try db.query("""
            DELETE FROM intercom_openings WHERE id NOT IN
                (SELECT id FROM intercom_openings ORDER BY at DESC, id DESC LIMIT $1)
            """, [.int(keep)])
    }

    func importNow(_ state: StoredIntercom) throws {
        try writer.writeAndWait { db in
            try PostgresIntercomTables.setGrant(state.grant, db)
            for code in state.usedCodes.sorted() {
                try db.query("INSERT INTO intercom_used_codes (code, used_at) VALUES ($1, 0) ON CONFLICT (code) DO NOTHING",
                             [.text(code)])
            }
            for opening in state.openings.reversed() {
                try PostgresIntercomTables.record(opening, keep: max(state.openings.count, 1000), db)
            }
        }
    }

    private func submit(_ then: @escaping StoreCompletion<Void>, _ body: @escaping (PostgresConnection) throws -> Void) {
        if !writer.write(body, then: then) { then(.failure(StoreError.queueFull)) }
    }
}
