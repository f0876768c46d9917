import Postgres

/// `calls`, `call_legs` and `call_seen` on PostgreSQL: the same rows and rules as `CallTable`
/// (merging is `CallRecord.merging`, shared; only the SQL differs).
final class PostgresCallTable: CallRecords, ReadingTable, @unchecked Sendable {
    static let migrations = [
        Migration(2, "calls, call_legs and call_seen tables", """
            CREATE TABLE calls (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                sid text NOT NULL UNIQUE,
                parent_sid text,
                direction text,
                our_number text,
                other_party text,
                other_digits text NOT NULL DEFAULT '',
                caller_name text,
                "user" text,
                users_rung text NOT NULL DEFAULT '',
                dial_status text,
                door text,
                started_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                answered_by text,
                answered_at bigint,
                ended_at bigint,
                duration bigint,
                outcome text
            );
            CREATE INDEX calls_by_number ON calls(our_number, started_at, id);
            CREATE INDEX calls_by_user ON calls("user", started_at, id);
            CREATE INDEX calls_by_start ON calls(started_at);
            CREATE TABLE call_legs (
                call_id bigint NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
                sid text NOT NULL,
                "user" text,
                status text NOT NULL,
                answered_at bigint,
                ended_at bigint,
                duration bigint,
                PRIMARY KEY (call_id, sid)
            );
            CREATE TABLE call_seen (
                "user" text PRIMARY KEY,
                seen_at bigint NOT NULL
            );
            """),
        // pg_trgm ships with Debian's postgresql package and is a trusted extension (PostgreSQL 13+):
        // the database's owner may create it. Its GIN indexes serve LIKE and ILIKE '%...%'.
        Migration(8, "indexes for call search and the missed count", """
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
            CREATE INDEX calls_digits_trigram ON calls USING gin (other_digits gin_trgm_ops);
            CREATE INDEX calls_name_trigram ON calls USING gin (caller_name gin_trgm_ops);
            CREATE INDEX calls_party_trigram ON calls USING gin (other_party gin_trgm_ops);
            CREATE INDEX calls_by_other_party ON calls(other_party);
            CREATE INDEX calls_missed_by_number ON calls(our_number, started_at) WHERE outcome IN ('missed', 'rejected');
            CREATE INDEX calls_missed_by_user ON calls("user", started_at) WHERE outcome IN ('missed', 'rejected');
            """),
        Migration(14, "the phone number a call leg rang", """
            ALTER TABLE call_legs ADD COLUMN number text;
            """),
        Migration(15, "an index of the calls not ended, for the call settler", """
            CREATE INDEX calls_open ON calls(started_at, id) WHERE ended_at IS NULL;
            """),
    ]

    let writer: PostgresStoreWriter
    let readers: PostgresStoreReaders?

    init(writer: PostgresStoreWriter, readers: PostgresStoreReaders) {
        self.writer = writer
        self.readers = readers
    }

    // MARK: Writes

    func merge(_ update: CallUpdate, then: @escaping StoreCompletion<CallRecord>) {
        write(then) { db -> CallRecord in
            // Two instances may merge callbacks of one call at once: the row lock orders them.
            let existing = try PostgresCallTable.lockedRecord(sid: update.callSid, db)
            var record = existing.map { $0.merging(update) } ?? CallRecord.from(update)
            if record != existing { record.id = try PostgresCallTable.save(record, db) }
            return record
        }
    }

    func markSeen(user: String, at: Int, then: @escaping StoreCompletion<Void>) {
        write({ then($0.map { _ in }) }) { db in
            try db.query("""
                INSERT INTO call_seen ("user", seen_at) VALUES ($1, $2)
                ON CONFLICT ("user") DO UPDATE SET seen_at = greatest(call_seen.seen_at, excluded.seen_at)
                """, [.text(user), .int(at)])
        }
    }

    func purge(startedBefore cutoff: Int, then: @escaping StoreCompletion<Int>) {
        purgeStep(cutoff: cutoff, deletedSoFar: 0, then: then)
    }

    private func purgeStep(cutoff: Int, deletedSoFar: Int, then: @escaping StoreCompletion<Int>) {
        let next: StoreCompletion<Int> = { [self] result in
            switch result {
            case .failure(let error): then(.failure(error))
            case .success(let count) where count < CallTable.purgeBatch: then(.success(deletedSoFar + count))
            case .success(let count): purgeStep(cutoff: cutoff, deletedSoFar: deletedSoFar + count, then: then)
            }
        }
        write(next) { db in
            try db.query("""
                DELETE FROM calls WHERE id IN (SELECT id FROM calls WHERE started_at < $1 LIMIT \(CallTable.purgeBatch))
                """, [.int(cutoff)]).affected
        }
    }

    /// Inserts or updates the row (a concurrent first insert of the same call by another
    /// instance becomes an update) and its legs, in one statement; returns the row id.
    static func save(_ record: CallRecord, _ db: PostgresConnection) throws -> Int {
        var values = CallTable.columnValues(record).map(PostgresValue.init)
        let legs = record.legs
        values += [.array(legs.map(\.sid)), .array(legs.map(\.user)), .array(legs.map(\.number)), .array(legs.map(\.status)),
                   .array(legs.map(\.answeredAt)), .array(legs.map(\.endedAt)), .array(legs.map(\.duration))]
        let row = try db.query("""
            WITH saved AS (
                INSERT INTO calls (sid, parent_sid, direction, our_number, other_party, other_digits, caller_name,
                    "user", users_rung, dial_status, door, started_at, updated_at, answered_by, answered_at,
                    ended_at, duration, outcome)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18)
                ON CONFLICT (sid) DO UPDATE SET parent_sid = excluded.parent_sid, direction = excluded.direction,
                    our_number = excluded.our_number, other_party = excluded.other_party,
                    other_digits = excluded.other_digits, caller_name = excluded.caller_name, "user" = excluded."user",
                    users_rung = excluded.users_rung, dial_status = excluded.dial_status, door = excluded.door,
                    started_at = excluded.started_at, updated_at = excluded.updated_at,
                    answered_by = excluded.answered_by, answered_at = excluded.answered_at,
                    ended_at = excluded.ended_at, duration = excluded.duration, outcome = excluded.outcome
                RETURNING id
            ), legs AS (
                INSERT INTO call_legs (call_id, sid, "user", number, status, answered_at, ended_at, duration)
                SELECT saved.id, leg.sid, leg.who, leg.number, leg.status, leg.answered_at, leg.ended_at, leg.duration
                FROM saved, unnest($19::text[], $20::text[], $21::text[], $22::text[], $23::bigint[], $24::bigint[],
                                   $25::bigint[])
                    AS leg(sid, who, number, status, answered_at, ended_at, duration)
                ON CONFLICT (call_id, sid) DO UPDATE SET "user" = excluded."user", number = excluded.number,
                    status = excluded.status,
                    answered_at = excluded.answered_at, ended_at = excluded.ended_at, duration = excluded.duration
            )
            SELECT id FROM saved
            """, values)
        guard let id = try row.first?.int("id") else {
            throw StoreError(.other, "\(db.url.redacted): calls: merge: no id returned for \(record.sid)")
        }
        return Int(id)
    }

    /// The call with its legs in one round trip, its row locked until the transaction ends.
    static func lockedRecord(sid: String, _ db: PostgresConnection) throws -> CallRecord? {
        let rows = try db.query("""
            SELECT \(qualifiedColumns), l.sid AS leg_sid, l."user" AS leg_user, l.number AS leg_number,
                l.status AS leg_status,
                l.answered_at AS leg_answered_at, l.ended_at AS leg_ended_at, l.duration AS leg_duration
            FROM calls c LEFT JOIN call_legs l ON l.call_id = c.id
            WHERE c.sid = $1 ORDER BY l.sid FOR UPDATE OF c
            """, [.text(sid)]).all
        guard let first = rows.first else { return nil }
        var record = try make(first)
        for row in rows {
            guard let legSid = try row.optionalString("leg_sid") else { continue }
            record.legs.append(CallLeg(
                sid: legSid, user: try row.optionalString("leg_user"), number: try row.optionalString("leg_number"),
                status: try row.string("leg_status"),
                answeredAt: try row.optionalInt("leg_answered_at").map(Int.init),
                endedAt: try row.optionalInt("leg_ended_at").map(Int.init),
                duration: try row.optionalInt("leg_duration").map(Int.init)))
        }
        return record
    }

    // MARK: Reads

    static let columns = """
        id, sid, parent_sid, direction, our_number, other_party, caller_name, "user", users_rung, dial_status, door,
        started_at, updated_at
        """

    /// `columns` of `calls c`, for a query that joins another table.
    static let qualifiedColumns = """
        c.id, c.sid, c.parent_sid, c.direction, c.our_number, c.other_party, c.caller_name, c."user", c.users_rung,
        c.dial_status, c.door, c.started_at, c.updated_at
        """

    static func make(_ row: PostgresRow) throws -> CallRecord {
        var record = CallRecord(sid: try row.string("sid"), startedAt: Int(try row.int("started_at")))
        record.id = Int(try row.int("id"))
        record.parentSid = try row.optionalString("parent_sid")
        record.direction = try row.optionalString("direction").flatMap(CallDirection.init(rawValue:))
        record.ourNumber = try row.optionalString("our_number")
        record.otherParty = try row.optionalString("other_party")
        record.callerName = try row.optionalString("caller_name")
        record.user = try row.optionalString("user")
        record.usersRung = try row.string("users_rung").split(separator: " ").map(String.init)
        record.dialStatus = try row.optionalString("dial_status")
        record.door = try row.optionalString("door")
        record.updatedAt = Int(try row.int("updated_at"))
        return record
    }

    static func addLegs(_ record: inout CallRecord, _ db: PostgresConnection) throws {
        guard let id = record.id else { return }
        record.legs = try db.query("""
            SELECT sid, "user", number, status, answered_at, ended_at, duration FROM call_legs WHERE call_id = $1
            ORDER BY sid
            """, [.int(id)]).all.map { row in
            CallLeg(sid: try row.string("sid"), user: try row.optionalString("user"),
                    number: try row.optionalString("number"), status: try row.string("status"),
                    answeredAt: try row.optionalInt("answered_at").map(Int.init),
                    endedAt: try row.optionalInt("ended_at").map(Int.init),
                    duration: try row.optionalInt("duration").map(Int.init))
        }
    }

    func page(_ query: CallQuery, then: @escaping StoreCompletion<CallPage>) {
        read(then) { db in try PostgresCallTable.page(query, db) }
    }

    static func page(_ query: CallQuery, _ db: PostgresConnection) throws -> CallPage {
        let limit = max(1, min(query.limit, CallTable.maxLimit))
        var bound = PostgresBindings()
        let visible = visibility(user: query.user, numbers: query.numbers, &bound)
        var conditions = [visible]
        if let before = query.before {
            let at = bound.add(.int(before.startedAt))
            conditions.append("(started_at < \(at) OR (started_at = \(at) AND id < \(bound.add(.int(before.id)))))")
        }
        var matches: [String] = []
        if let digits = query.digits.map(CallTable.digits(of:)), !digits.isEmpty {
            matches.append("other_digits LIKE \(bound.add(.text("%" + digits + "%")))")
        }
        if let text = query.text, !text.isEmpty {
            matches.append(try textMatch(String(text.prefix(100)), &bound, db))
        }
        if !query.alsoNumbers.isEmpty {
            matches.append("other_party IN (\(query.alsoNumbers.map { bound.add(.text($0)) }.joined(separator: ", ")))")
        }
        if !matches.isEmpty { conditions.append("(" + matches.joined(separator: " OR ") + ")") }
        if query.missedOnly { conditions.append("outcome IN ('missed', 'rejected')") }
        let sql = "SELECT \(columns) FROM calls WHERE " + conditions.joined(separator: " AND ")
            + " ORDER BY started_at DESC, id DESC LIMIT \(limit + 1)"
        // Planned for the pattern each time: a generic plan scans every call backwards.
        var calls = try db.queryPlannedForItsValues(sql, bound.values).all.map(make)
        var next: CallCursor?
        if calls.count > limit {
            calls.removeLast(calls.count - limit)
            if let last = calls.last, let id = last.id { next = CallCursor(startedAt: last.startedAt, id: id) }
        }
        for index in calls.indices { try addLegs(&calls[index], db) }
        return CallPage(calls: calls, next: next, unseenMissed: try unseenMissed(user: query.user, numbers: query.numbers, db))
    }

    /// The calls whose caller name or other party holds `text` (ASCII case ignored). The GIN
    /// indexes are asked only for the text's rarest trigrams when they are rare enough
    /// (`RareTrigrams`, judged on the newest calls) and `strpos` decides, in a form no index
    /// serves, so the planner reads a few short lists instead of every trigram's; otherwise the
    /// text is asked for whole (ILIKE), as before.
    static func textMatch(_ text: String, _ bound: inout PostgresBindings, _ db: PostgresConnection) throws -> String {
        let rare = try RareTrigrams(term: text, sample: """
            SELECT coalesce(caller_name, '') || ' ' || coalesce(other_party, '') AS sample FROM calls ORDER BY id DESC
            """, db)
        guard let rare else {
            // ILIKE: case-insensitive like SQLite's LIKE for ASCII.
            let pattern = bound.add(.text("%" + CallTable.likeEscaped(text) + "%"))
            return "caller_name ILIKE \(pattern) ESCAPE '\\' OR other_party ILIKE \(pattern) ESCAPE '\\'"
        }
        let windows = rare.windows.map { bound.add(.text("%" + $0 + "%")) }
        func holdsAll(_ column: String) -> String { windows.map { "\(column) ILIKE \($0)" }.joined(separator: " AND ") }
        let exact = bound.add(.text(text))
        return "((\(holdsAll("caller_name"))) AND strpos(lower(caller_name), lower(\(exact))) > 0"
            + " OR (\(holdsAll("other_party"))) AND strpos(lower(other_party), lower(\(exact))) > 0)"
    }

    static func unseenMissed(user: String, numbers: [String], _ db: PostgresConnection) throws -> Int {
        var bound = PostgresBindings()
        let visible = visibility(user: user, numbers: numbers, &bound)
        let seen = bound.add(.text(user))
        let row = try db.query("""
            SELECT count(*) AS n FROM calls WHERE \(visible)
                AND started_at > coalesce((SELECT seen_at FROM call_seen WHERE "user" = \(seen)), -9223372036854775808)
                AND outcome IN ('missed', 'rejected')
            """, bound.values).first
        return Int(try row?.int("n") ?? 0)
    }

    /// `CallVisibility` in PostgreSQL's words: the calls of the user's numbers (except other
    /// users' outgoing calls), and their own outgoing calls.
    static func visibility(user: String, numbers: [String], _ bound: inout PostgresBindings) -> String {
        var sql = "(\"user\" = \(bound.add(.text(user))) AND direction = 'outgoing')"
        if !numbers.isEmpty {
            let list = numbers.map { bound.add(.text($0)) }.joined(separator: ", ")
            sql = "(" + sql + " OR (our_number IN (\(list)) AND direction IS DISTINCT FROM 'outgoing'))"
        }
        return sql
    }

    func openCalls(ringingBefore: Int, answeredBefore: Int, limit: Int, then: @escaping StoreCompletion<[CallRecord]>) {
        read(then) { db in
            let sql = CallTable.openCallsSQL(PostgresCallTable.columns, placeholder: { "$\($0)" }, limit: limit)
            var calls = try db.query(sql, [.int(ringingBefore), .int(answeredBefore)]).all.map(PostgresCallTable.make)
            for index in calls.indices { try PostgresCallTable.addLegs(&calls[index], db) }
            return calls
        }
    }

    func forEachNow(_ body: (CallRecord) throws -> Void) throws {
        var after = 0
        while true {
            let page = try writer.writeAndWait { db -> [CallRecord] in
                var rows = try db.query("SELECT \(PostgresCallTable.columns) FROM calls WHERE id > $1 ORDER BY id LIMIT 1000",
                                        [.int(after)]).all.map(PostgresCallTable.make)
                for index in rows.indices { try PostgresCallTable.addLegs(&rows[index], db) }
                return rows
            }
            guard let last = page.last?.id else { return }
            for record in page { try body(record) }
            after = last
        }
    }
}

/// Statement parameters numbered as they are added: `add` returns `$1`, `$2`, ...
struct PostgresBindings {
    private(set) var values: [PostgresValue] = []

    mutating func add(_ value: PostgresValue) -> String {
        values.append(value)
        return "$\(values.count)"
    }
}
