/// `intercom_grant` (at most one row), `intercom_used_codes`, `intercom_openings` and
/// `intercom_code_attempts` (the grant link's guess throttle, shared by every instance).
final class IntercomTables: IntercomRecords, ReadingTable, @unchecked Sendable {
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
        Migration(9, "intercom grant announcements and the shared grant-code throttle", """
            ALTER TABLE intercom_grant ADD COLUMN announced INTEGER NOT NULL DEFAULT 1;
            CREATE TABLE intercom_code_attempts (
                address TEXT PRIMARY KEY,
                window_start INTEGER NOT NULL,
                failures INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        Migration(10, "the call that opened the door", """
            ALTER TABLE intercom_openings ADD COLUMN call_sid TEXT;
            """),
    ]

    let writer: StoreWriter
    let readers: StoreReaders?

    init(writer: StoreWriter, readers: StoreReaders? = nil) {
        self.writer = writer
        self.readers = readers
    }

    func loadNow(openingLimit: Int) throws -> StoredIntercom {
        try writer.writeAndWait { db in try IntercomTables.load(db, openingLimit: openingLimit) }
    }

    func load(openingLimit: Int, then: @escaping StoreCompletion<StoredIntercom>) {
        read(then) { db in try IntercomTables.load(db, openingLimit: openingLimit) }
    }

    static func load(_ db: SQLiteConnection, openingLimit: Int) throws -> StoredIntercom {
        let grant = try db.statement("SELECT started_at, until, by, announced FROM intercom_grant WHERE id = 1").first { row in
            StoredIntercom.Grant(startedAt: row.int(0), until: row.int(1), by: row.text(2), announced: row.int(3) != 0)
        }
        let codes = try db.statement("SELECT code FROM intercom_used_codes").rows { $0.text(0) }
        let openings = try db.statement("SELECT at, how, caller FROM intercom_openings ORDER BY at DESC, id DESC LIMIT ?")
            .rows([.int(openingLimit)]) { StoredIntercom.Opening(at: $0.int(0), how: $0.text(1), from: $0.text(2)) }
        return StoredIntercom(grant: grant, usedCodes: Set(codes), openings: openings)
    }

    func setGrant(_ grant: StoredIntercom.Grant?, then: @escaping StoreCompletion<Void>) {
        write(then) { db in try IntercomTables.setGrant(grant, db) }
    }

    static func setGrant(_ grant: StoredIntercom.Grant?, _ db: SQLiteConnection) throws {
        if let grant {
            try db.statement("""
                INSERT INTO intercom_grant (id, started_at, until, by, announced) VALUES (1, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET started_at = excluded.started_at, until = excluded.until, by = excluded.by,
                    announced = excluded.announced
                """).run([.int(grant.startedAt), .int(grant.until), .text(grant.by), .int(grant.announced ? 1 : 0)])
        } else {
            try db.statement("DELETE FROM intercom_grant").run()
        }
    }

    func endGrant(until: Int, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in try db.statement("DELETE FROM intercom_grant WHERE until = ?").run([.int(until)]) == 1 }
    }

    func announceGrant(until: Int, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.statement("UPDATE intercom_grant SET announced = 1 WHERE until = ? AND announced = 0").run([.int(until)]) == 1
        }
    }

    func useCode(_ code: String, at: Int, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in try IntercomTables.use(code, at: at, db) }
    }

    static func use(_ code: String, at: Int, _ db: SQLiteConnection) throws -> Bool {
        try db.statement("INSERT INTO intercom_used_codes (code, used_at) VALUES (?, ?) ON CONFLICT(code) DO NOTHING")
            .run([.text(code), .int(at)]) == 1
    }

    func recordOpening(_ opening: StoredIntercom.Opening, keep: Int, then: @escaping StoreCompletion<Void>) {
        write(then) { db in try IntercomTables.record(opening, keep: keep, db) }
    }

    func open(_ opening: StoredIntercom.Opening, consuming code: String?, callSid: String?, keep: Int,
              then: @escaping StoreCompletion<DoorOpeningResult>) {
        write(then) { db in
            // Twilio retries a webhook whose answer it did not get: the same call opens again.
            if let callSid, try db.statement("SELECT 1 FROM intercom_openings WHERE call_sid = ?").first([.text(callSid)], { _ in true }) == true {
                return .openedBefore
            }
            if let code, !(try IntercomTables.use(code, at: opening.at, db)) { return .codeUsed }
            try db.statement("INSERT INTO intercom_openings (at, how, caller, call_sid) VALUES (?, ?, ?, ?)")
                .run([.int(opening.at), .text(opening.how), .text(opening.from), .text(callSid)])
            try IntercomTables.prune(keep: keep, db)
            return .opened
        }
    }

    static func record(_ opening: StoredIntercom.Opening, keep: Int, _ db: SQLiteConnection) throws {
        try db.statement("INSERT INTO intercom_openings (at, how, caller) VALUES (?, ?, ?)")
            .run([.int(opening.at), .text(opening.how), .text(opening.from)])
        try prune(keep: keep, db)
    }

    static func prune(keep: Int, _ db: SQLiteConnection) throws {
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

    func countCodeAttempt(address: String, now: Int, windowSeconds: Int, maxFailures: Int,
                          then: @escaping StoreCompletion<CodeAttempts>) {
        write(then) { db in
            try db.statement("""
                INSERT INTO intercom_code_attempts (address, window_start, failures) VALUES (?1, ?2, 1)
                ON CONFLICT(address) DO UPDATE SET
                    failures = CASE WHEN window_start <= ?2 - ?3 THEN 1 WHEN failures >= ?4 THEN ?4 + 1 ELSE failures + 1 END,
                    window_start = CASE WHEN window_start <= ?2 - ?3 THEN ?2 ELSE window_start END
                RETURNING failures, window_start
                """).first([.text(address), .int(now), .int(windowSeconds), .int(maxFailures)]) { row in
                CodeAttempts(failures: row.int(0), windowStart: row.int(1))
            } ?? CodeAttempts(failures: 1, windowStart: now)
        }
    }

    func forgetCodeAttempts(address: String, then: @escaping StoreCompletion<Void>) {
        write(then) { db in _ = try db.statement("DELETE FROM intercom_code_attempts WHERE address = ?").run([.text(address)]) }
    }

    func purgeCodeAttempts(before: Int, then: @escaping StoreCompletion<Void>) {
        write(then) { db in _ = try db.statement("DELETE FROM intercom_code_attempts WHERE window_start < ?").run([.int(before)]) }
    }
}
