/// `calls` (one row per call, with its summary in columns for listing and search),
/// `call_legs` (the facts each leg's callbacks gave) and `call_seen` (each user's missed-call mark).
final class CallTable: CallRecords, ReadingTable, @unchecked Sendable {
    static let migrations = [
        Migration(2, "calls, call_legs and call_seen tables", """
            CREATE TABLE calls (
                id INTEGER PRIMARY KEY,
                sid TEXT NOT NULL UNIQUE,
                parent_sid TEXT,
                direction TEXT,
                our_number TEXT,
                other_party TEXT,
                other_digits TEXT NOT NULL DEFAULT '',
                caller_name TEXT,
                user TEXT,
                users_rung TEXT NOT NULL DEFAULT '',
                dial_status TEXT,
                door TEXT,
                started_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                answered_by TEXT,
                answered_at INTEGER,
                ended_at INTEGER,
                duration INTEGER,
                outcome TEXT
            );
            CREATE INDEX calls_by_number ON calls(our_number, started_at, id);
            CREATE INDEX calls_by_user ON calls(user, started_at, id);
            CREATE INDEX calls_by_start ON calls(started_at);
            CREATE TABLE call_legs (
                call_id INTEGER NOT NULL REFERENCES calls(id) ON DELETE CASCADE,
                sid TEXT NOT NULL,
                user TEXT,
                status TEXT NOT NULL,
                answered_at INTEGER,
                ended_at INTEGER,
                duration INTEGER,
                PRIMARY KEY (call_id, sid)
            ) WITHOUT ROWID;
            CREATE TABLE call_seen (
                user TEXT PRIMARY KEY,
                seen_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            """),
        Migration(8, "indexes for call search and the missed count", """
            CREATE VIRTUAL TABLE calls_search USING fts5(other_digits, caller_name, other_party,
                content='calls', content_rowid='id', tokenize='trigram');
            CREATE TRIGGER calls_search_insert AFTER INSERT ON calls BEGIN
                INSERT INTO calls_search (rowid, other_digits, caller_name, other_party)
                VALUES (new.id, new.other_digits, new.caller_name, new.other_party);
            END;
            CREATE TRIGGER calls_search_delete AFTER DELETE ON calls BEGIN
                INSERT INTO calls_search (calls_search, rowid, other_digits, caller_name, other_party)
                VALUES ('delete', old.id, old.other_digits, old.caller_name, old.other_party);
            END;
            CREATE TRIGGER calls_search_update AFTER UPDATE OF other_digits, caller_name, other_party ON calls BEGIN
                INSERT INTO calls_search (calls_search, rowid, other_digits, caller_name, other_party)
                VALUES ('delete', old.id, old.other_digits, old.caller_name, old.other_party);
                INSERT INTO calls_search (rowid, other_digits, caller_name, other_party)
                VALUES (new.id, new.other_digits, new.caller_name, new.other_party);
            END;
            INSERT INTO calls_search (calls_search) VALUES ('rebuild');
            CREATE INDEX calls_by_other_party ON calls(other_party);
            CREATE INDEX calls_missed_by_number ON calls(our_number, started_at) WHERE outcome IN ('missed', 'rejected');
            CREATE INDEX calls_missed_by_user ON calls(user, started_at) WHERE outcome IN ('missed', 'rejected');
            """),
        Migration(14, "the phone number a call leg rang", """
            ALTER TABLE call_legs ADD COLUMN number TEXT;
            """),
        Migration(15, "an index of the calls not ended, for the call settler", """
            CREATE INDEX calls_open ON calls(started_at, id) WHERE ended_at IS NULL;
            """),
    ]

    /// Most calls on one page (200).
    static let maxLimit = 200
    /// Rows one purge transaction deletes (2,000), so writes of webhooks wait little behind it.
    static let purgeBatch = 2000

    let writer: StoreWriter
    let readers: StoreReaders?

    init(writer: StoreWriter, readers: StoreReaders?) {
        self.writer = writer
        self.readers = readers
    }

    // MARK: Writes

    func merge(_ update: CallUpdate, then: @escaping StoreCompletion<CallRecord>) {
        write(then) { db -> CallRecord in
            let existing = try CallTable.record(sid: update.callSid, db)
            var record = existing.map { $0.merging(update) } ?? CallRecord.from(update)
            if record != existing { record.id = try CallTable.save(record, db) }
            return record
        }
    }

    func markSeen(user: String, at: Int, then: @escaping StoreCompletion<Void>) {
        write({ then($0.map { _ in }) }) { db in
            try db.statement("""
                INSERT INTO call_seen (user, seen_at) VALUES (?, ?)
                ON CONFLICT(user) DO UPDATE SET seen_at = max(seen_at, excluded.seen_at)
                """).run([.text(user), .int(at)])
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
            try db.statement("""
                DELETE FROM calls WHERE id IN (SELECT id FROM calls WHERE started_at < ? LIMIT \(CallTable.purgeBatch))
                """).run([.int(cutoff)])
        }
    }

    /// Inserts or updates the row and its legs; returns the row id.
    static func save(_ record: CallRecord, _ db: SQLiteConnection) throws -> Int {
        let values = columnValues(record)
        let id: Int
        if let existing = record.id {
            try db.statement("""
                UPDATE calls SET sid = ?, parent_sid = ?, direction = ?, our_number = ?, other_party = ?,
                    other_digits = ?, caller_name = ?, user = ?, users_rung = ?, dial_status = ?, door = ?,
                    started_at = ?, updated_at = ?, answered_by = ?, answered_at = ?, ended_at = ?, duration = ?,
                    outcome = ?
                WHERE id = ?
                """).run(values + [.int(existing)])
            id = existing
        } else {
            try db.statement("""
                INSERT INTO calls (sid, parent_sid, direction, our_number, other_party, other_digits, caller_name,
                    user, users_rung, dial_status, door, started_at, updated_at, answered_by, answered_at,
                    ended_at, duration, outcome)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run(values)
            id = db.lastInsertRowID
        }
        let leg = try db.statement("""
            INSERT INTO call_legs (call_id, sid, user, number, status, answered_at, ended_at, duration)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(call_id, sid) DO UPDATE SET user = excluded.user, number = excluded.number, status = excluded.status,
                answered_at = excluded.answered_at, ended_at = excluded.ended_at, duration = excluded.duration
            """)
        for part in record.legs {
            try leg.run([.int(id), .text(part.sid), .text(part.user), .text(part.number), .text(part.status),
                         .int(part.answeredAt), .int(part.endedAt), .int(part.duration)])
        }
        return id
    }

    /// The row's columns from `sid` to `outcome`, in the order the INSERT and UPDATE name them
    /// (both backends write these).
    static func columnValues(_ record: CallRecord) -> [SQLValue] {
        [
            .text(record.sid), .text(record.parentSid), .text(record.direction?.rawValue), .text(record.ourNumber),
            .text(record.otherParty), .text(digits(of: record.otherParty ?? "")), .text(record.callerName),
            .text(record.user), .text(record.usersRung.joined(separator: " ")), .text(record.dialStatus),
            .text(record.door), .int(record.startedAt), .int(record.updatedAt), .text(record.answeredBy),
            .int(record.answeredAt), .int(record.endedAt), .int(record.duration), .text(record.outcome?.rawValue),
        ]
    }

    // MARK: Reads

    static let columns = """
        id, sid, parent_sid, direction, our_number, other_party, caller_name, user, users_rung, dial_status, door,
        started_at, updated_at
        """

    /// The record of `sid` with its legs, or nil.
    static func record(sid: String, _ db: SQLiteConnection) throws -> CallRecord? {
        guard var record = try db.statement("SELECT \(columns) FROM calls WHERE sid = ?").first([.text(sid)], make)
        else { return nil }
        try addLegs(&record, db)
        return record
    }

    static func make(_ row: SQLiteRow) -> CallRecord {
        var record = CallRecord(sid: row.text(1), startedAt: row.int(11))
        record.id = row.int(0)
        record.parentSid = row.optionalText(2)
        record.direction = row.optionalText(3).flatMap(CallDirection.init(rawValue:))
        record.ourNumber = row.optionalText(4)
        record.otherParty = row.optionalText(5)
        record.callerName = row.optionalText(6)
        record.user = row.optionalText(7)
        record.usersRung = row.text(8).split(separator: " ").map(String.init)
        record.dialStatus = row.optionalText(9)
        record.door = row.optionalText(10)
        record.updatedAt = row.int(12)
        return record
    }

    static func addLegs(_ record: inout CallRecord, _ db: SQLiteConnection) throws {
        guard let id = record.id else { return }
        record.legs = try db.statement("""
            SELECT sid, user, number, status, answered_at, ended_at, duration FROM call_legs WHERE call_id = ? ORDER BY sid
            """).rows([.int(id)]) { row in
            CallLeg(sid: row.text(0), user: row.optionalText(1), number: row.optionalText(2), status: row.text(3),
                    answeredAt: row.optionalInt(4), endedAt: row.optionalInt(5), duration: row.optionalInt(6))
        }
    }

    func page(_ query: CallQuery, then: @escaping StoreCompletion<CallPage>) {
        read(then) { db in try CallTable.page(query, db) }
    }

    static func page(_ query: CallQuery, _ db: SQLiteConnection) throws -> CallPage {
        let limit = max(1, min(query.limit, maxLimit))
        let visible = CallVisibility(user: query.user, numbers: query.numbers)
        var conditions = [visible.sql]
        var values = visible.values
        if let before = query.before {
            conditions.append("(started_at < ? OR (started_at = ? AND id < ?))")
            values += [.int(before.startedAt), .int(before.startedAt), .int(before.id)]
        }
        var matches: [String] = []
        let search = CallSearchTerms(query)
        if let digits = search.digits {
            matches.append("other_digits LIKE ?")
            values.append(.text("%" + digits + "%"))
        }
        if let text = search.text {
            matches.append("caller_name LIKE ? ESCAPE '\\' OR other_party LIKE ? ESCAPE '\\'")
            let pattern = "%" + likeEscaped(text) + "%"
            values += [.text(pattern), .text(pattern)]
        }
        if !query.alsoNumbers.isEmpty {
            matches.append("other_party IN (\(placeholders(query.alsoNumbers.count)))")
            values += query.alsoNumbers.map { .text($0) }
        }
        if !matches.isEmpty { conditions.append("(" + matches.joined(separator: " OR ") + ")") }
        if query.missedOnly { conditions.append("outcome IN ('missed', 'rejected')") }
        var from = "calls"
        var calls: [CallRecord] = []
        let rare = try search.searchedText.flatMap { text in
            try RareTrigrams(term: text, index: "calls_search", content: "calls", columns: "{caller_name other_party}", db)
        }
        var candidates = try search.indexedCandidates(alsoNumbers: query.alsoNumbers, rare: rare).flatMap { try candidateIDs($0, db) }
        if candidates == nil && rare != nil {
            // The few trigrams found too many rows: the whole text, read in full, may find fewer.
            candidates = try search.indexedCandidates(alsoNumbers: query.alsoNumbers).flatMap { try candidateIDs($0, db) }
        }
        if let candidates {
            // The trigram index (and other_party's) find the few candidate rows first, once; the
            // LIKEs above still decide, so results are exactly those of the full scan. Many
            // candidates (`442` matches nearly every call) are faster found by the scan in page order.
            from = "(SELECT value AS match_id FROM json_each(?)) AS candidate CROSS JOIN calls ON calls.id = candidate.match_id"
            values = [.text("[" + candidates.map(String.init).joined(separator: ",") + "]")] + values
        }
        if candidates?.isEmpty != true {
            let sql = "SELECT \(columns) FROM \(from) WHERE " + conditions.joined(separator: " AND ")
                + " ORDER BY started_at DESC, id DESC LIMIT \(limit + 1)"
            calls = try db.statement(sql).rows(values, make)
        }
        var next: CallCursor?
        if calls.count > limit {
            calls.removeLast(calls.count - limit)
            if let last = calls.last, let id = last.id { next = CallCursor(startedAt: last.startedAt, id: id) }
        }
        for index in calls.indices { try addLegs(&calls[index], db) }
        return CallPage(calls: calls, next: next, unseenMissed: try unseenMissed(visible, db))
    }

    /// Candidates the index path sorts at most (2,000); more go to the scan, which stops at the page's end.
    static let maxIndexedCandidates = 2000

    /// The ids the candidate queries find together, or nil when they are more than `maxIndexedCandidates`.
    static func candidateIDs(_ candidates: [(sql: String, values: [SQLValue])], _ db: SQLiteConnection) throws -> Set<Int>? {
        var ids = Set<Int>()
        for part in candidates {
            try db.statement("\(part.sql) LIMIT \(maxIndexedCandidates + 1)").forEach(part.values) { ids.insert($0.int(0)) }
            if ids.count > maxIndexedCandidates { return nil }
        }
        return ids
    }

    static func unseenMissed(_ visible: CallVisibility, _ db: SQLiteConnection) throws -> Int {
        let seen = try db.statement("SELECT seen_at FROM call_seen WHERE user = ?").first([.text(visible.user)]) { $0.int(0) } ?? Int(Int64.min)
        return try db.statement("SELECT count(*) FROM calls WHERE \(visible.sql) AND started_at > ? AND outcome IN ('missed', 'rejected')")
            .first(visible.values + [.int(seen)]) { $0.int(0) } ?? 0
    }

    /// The rows of `openCalls` (both backends; `$1` ringing bound, `$2` answered bound, SQLite's `?NNN`).
    static func openCallsSQL(_ columns: String, placeholder: (Int) -> String, limit: Int) -> String {
        "SELECT \(columns) FROM calls WHERE ended_at IS NULL AND ((answered_at IS NULL AND started_at < \(placeholder(1)))"
            + " OR (answered_at IS NOT NULL AND started_at < \(placeholder(2)))) ORDER BY started_at, id LIMIT \(max(1, limit))"
    }

    func openCalls(ringingBefore: Int, answeredBefore: Int, limit: Int, then: @escaping StoreCompletion<[CallRecord]>) {
        read(then) { db in
            var calls = try db.statement(CallTable.openCallsSQL(CallTable.columns, placeholder: { "?\($0)" }, limit: limit))
                .rows([.int(ringingBefore), .int(answeredBefore)], CallTable.make)
            for index in calls.indices { try CallTable.addLegs(&calls[index], db) }
            return calls
        }
    }

    func forEachNow(_ body: (CallRecord) throws -> Void) throws {
        // Read in pages on the writer so the export sees one consistent snapshot per page.
        var after = 0
        while true {
            let page = try writer.writeAndWait { db -> [CallRecord] in
                var rows = try db.statement("SELECT \(CallTable.columns) FROM calls WHERE id > ? ORDER BY id LIMIT 1000")
                    .rows([.int(after)], CallTable.make)
                for index in rows.indices { try CallTable.addLegs(&rows[index], db) }
                return rows
            }
            guard let last = page.last?.id else { return }
            for record in page { try body(record) }
            after = last
        }
    }

    // MARK: Helpers

    /// `442071234567` from `+44 20 7123-4567`.
    static func digits(of text: String) -> String {
        String(text.unicodeScalars.filter { $0.value >= 48 && $0.value <= 57 }.map(Character.init))
    }

    static func likeEscaped(_ text: String) -> String {
        var out = ""
        for character in text.prefix(100) {
            if character == "%" || character == "_" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }

    static func placeholders(_ count: Int) -> String {
        Array(repeating: "?", count: count).joined(separator: ", ")
    }
}

/// Which calls a user may see, as SQL: the calls of the numbers they are on (except other
/// users' outgoing calls), and their own outgoing calls.
struct CallVisibility {
    let user: String
    let sql: String
    let values: [SQLValue]

    init(user: String, numbers: [String]) {
        self.user = user
        var values: [SQLValue] = [.text(user)]
        var sql = "(user = ? AND direction = 'outgoing')"
        if !numbers.isEmpty {
            sql = "(" + sql + " OR (our_number IN (\(CallTable.placeholders(numbers.count))) AND direction IS NOT 'outgoing'))"
            values += numbers.map { .text($0) }
        }
        self.sql = sql
        self.values = values
    }
}
