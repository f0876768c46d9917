import Postgres

/// The intercom's tables on PostgreSQL: the same rows and rules as `IntercomTables`.
final class PostgresIntercomTables: IntercomRecords, ReadingTable, @unchecked Sendable {
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
        Migration(9, "intercom grant announcements and the shared grant-code throttle", """
            ALTER TABLE intercom_grant ADD COLUMN announced integer NOT NULL DEFAULT 1;
            CREATE TABLE intercom_code_attempts (
                address text PRIMARY KEY,
                window_start bigint NOT NULL,
                failures integer NOT NULL
            );
            """),
        Migration(10, "the call that opened the door", """
            ALTER TABLE intercom_openings ADD COLUMN call_sid text;
            """),
    ]

    let writer: PostgresStoreWriter
    let readers: PostgresStoreReaders?

    init(writer: PostgresStoreWriter, readers: PostgresStoreReaders? = nil) {
        self.writer = writer
        self.readers = readers
    }

    func loadNow(openingLimit: Int) throws -> StoredIntercom {
        try writer.writeAndWait { db in try PostgresIntercomTables.load(db, openingLimit: openingLimit) }
    }

    func load(openingLimit: Int, then: @escaping StoreCompletion<StoredIntercom>) {
        read(then) { db in try PostgresIntercomTables.load(db, openingLimit: openingLimit) }
    }

    static func load(_ db: PostgresConnection, openingLimit: Int) throws -> StoredIntercom {
        let grant = try db.query("SELECT started_at, until, by, announced FROM intercom_grant WHERE id = 1").first.map { row in
            StoredIntercom.Grant(startedAt: Int(try row.int("started_at")), until: Int(try row.int("until")),
                                 by: try row.string("by"), announced: try row.int("announced") != 0)
        }
        let codes = try db.query("SELECT code FROM intercom_used_codes").all.map { try $0.string("code") }
        let openings = try db.query("SELECT at, how, caller FROM intercom_openings ORDER BY at DESC, id DESC LIMIT $1",
                                    [.int(openingLimit)]).all.map { row in
            StoredIntercom.Opening(at: Int(try row.int("at")), how: try row.string("how"), from: try row.string("caller"))
        }
        return StoredIntercom(grant: grant, usedCodes: Set(codes), openings: openings)
    }

    func setGrant(_ grant: StoredIntercom.Grant?, then: @escaping StoreCompletion<Void>) {
        write(then) { db in try PostgresIntercomTables.setGrant(grant, db) }
    }

    static func setGrant(_ grant: StoredIntercom.Grant?, _ db: PostgresConnection) throws {
        if let grant {
            try db.query("""
                INSERT INTO intercom_grant (id, started_at, until, by, announced) VALUES (1, $1, $2, $3, $4)
                ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at, until = excluded.until, by = excluded.by,
                    announced = excluded.announced
                """, [.int(grant.startedAt), .int(grant.until), .text(grant.by), .int(grant.announced ? 1 : 0)])
        } else {
            try db.query("DELETE FROM intercom_grant")
        }
    }

    func endGrant(until: Int, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in try db.query("DELETE FROM intercom_grant WHERE until = $1", [.int(until)]).affected == 1 }
    }

    func announceGrant(until: Int, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.query("UPDATE intercom_grant SET announced = 1 WHERE until = $1 AND announced = 0", [.int(until)]).affected == 1
        }
    }

    func useCode(_ code: String, at: Int, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in try PostgresIntercomTables.use(code, at: at, db) }
    }

    static func use(_ code: String, at: Int, _ db: PostgresConnection) throws -> Bool {
        try db.query("INSERT INTO intercom_used_codes (code, used_at) VALUES ($1, $2) ON CONFLICT (code) DO NOTHING",
                     [.text(code), .int(at)]).affected == 1
    }

    func recordOpening(_ opening: StoredIntercom.Opening, keep: Int, then: @escaping StoreCompletion<Void>) {
        write(then) { db in try PostgresIntercomTables.record(opening, keep: keep, db) }
    }

    func open(_ opening: StoredIntercom.Opening, consuming code: String?, callSid: String?, keep: Int,
              then: @escaping StoreCompletion<DoorOpeningResult>) {
        write(then) { db in
            // Twilio retries a webhook whose answer it did not get: the same call opens again.
            if let callSid, try db.query("SELECT 1 AS one FROM intercom_openings WHERE call_sid = $1", [.text(callSid)]).first != nil {
                return .openedBefore
            }
            if let code, !(try PostgresIntercomTables.use(code, at: opening.at, db)) { return .codeUsed }
            try db.query("INSERT INTO intercom_openings (at, how, caller, call_sid) VALUES ($1, $2, $3, $4)",
                         [.int(opening.at), .text(opening.how), .text(opening.from), .text(callSid)])
            try PostgresIntercomTables.prune(keep: keep, db)
            return .opened
        }
    }

    static func record(_ opening: StoredIntercom.Opening, keep: Int, _ db: PostgresConnection) throws {
        try db.query("INSERT INTO intercom_openings (at, how, caller) VALUES ($1, $2, $3)",
                     [.int(opening.at), .text(opening.how), .text(opening.from)])
        try prune(keep: keep, db)
    }

    static func prune(keep: Int, _ db: PostgresConnection) throws {
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

    func countCodeAttempt(address: String, now: Int, windowSeconds: Int, maxFailures: Int,
                          then: @escaping StoreCompletion<CodeAttempts>) {
        write(then) { db in
            let row = try db.query("""
                INSERT INTO intercom_code_attempts AS a (address, window_start, failures) VALUES ($1, $2::bigint, 1)
                ON CONFLICT (address) DO UPDATE SET
                    failures = CASE WHEN a.window_start <= $2::bigint - $3::bigint THEN 1
                        WHEN a.failures >= $4::integer THEN $4::integer + 1 ELSE a.failures + 1 END,
                    window_start = CASE WHEN a.window_start <= $2::bigint - $3::bigint THEN $2::bigint ELSE a.window_start END
                RETURNING failures, window_start
                """, [.text(address), .int(now), .int(windowSeconds), .int(maxFailures)]).first
            guard let row else { return CodeAttempts(failures: 1, windowStart: now) }
            return CodeAttempts(failures: Int(try row.int("failures")), windowStart: Int(try row.int("window_start")))
        }
    }

    func forgetCodeAttempts(address: String, then: @escaping StoreCompletion<Void>) {
        write(then) { db in _ = try db.query("DELETE FROM intercom_code_attempts WHERE address = $1", [.text(address)]) }
    }

    func purgeCodeAttempts(before: Int, then: @escaping StoreCompletion<Void>) {
        write(then) { db in _ = try db.query("DELETE FROM intercom_code_attempts WHERE window_start < $1", [.int(before)]) }
    }
}
