/// `message_threads`, `messages` and `thread_reads`: texts per (our number, other party), each
/// user's read mark per thread (the id of the last message they read).
final class MessageTable: MessageRecords, ReadingTable, @unchecked Sendable {
    static let migrations = [
        Migration(6, "text messages", """
            CREATE TABLE message_threads (
                id INTEGER PRIMARY KEY,
                number TEXT NOT NULL,
                party TEXT NOT NULL,
                last_id INTEGER NOT NULL DEFAULT 0,
                UNIQUE (number, party)
            );
            CREATE TABLE messages (
                id INTEGER PRIMARY KEY,
                sid TEXT NOT NULL UNIQUE,
                thread_id INTEGER NOT NULL REFERENCES message_threads (id),
                direction TEXT NOT NULL,
                body TEXT NOT NULL,
                media TEXT NOT NULL,
                status TEXT NOT NULL,
                error_code INTEGER,
                sent_by TEXT,
                created_at INTEGER NOT NULL
            );
            CREATE INDEX messages_by_thread ON messages (thread_id, id);
            CREATE TABLE thread_reads (
                thread_id INTEGER NOT NULL,
                reader TEXT NOT NULL,
                last_read INTEGER NOT NULL,
                PRIMARY KEY (thread_id, reader)
            ) WITHOUT ROWID;
            """),
        Migration(13, "index for the texts search", """
            CREATE VIRTUAL TABLE messages_search USING fts5(body, content='messages', content_rowid='id', tokenize='trigram');
            CREATE TRIGGER messages_search_insert AFTER INSERT ON messages BEGIN
                INSERT INTO messages_search (rowid, body) VALUES (new.id, new.body);
            END;
            CREATE TRIGGER messages_search_delete AFTER DELETE ON messages BEGIN
                INSERT INTO messages_search (messages_search, rowid, body) VALUES ('delete', old.id, old.body);
            END;
            CREATE TRIGGER messages_search_update AFTER UPDATE OF body ON messages BEGIN
                INSERT INTO messages_search (messages_search, rowid, body) VALUES ('delete', old.id, old.body);
                INSERT INTO messages_search (rowid, body) VALUES (new.id, new.body);
            END;
            INSERT INTO messages_search (messages_search) VALUES ('rebuild');
            """),
    ]

    /// The columns of a message with its thread's number and party (`m`, `t`), shared with PostgreSQL.
    static let columns = "m.id, m.sid, m.thread_id, t.number, t.party, m.direction, m.body, m.media, m.status, "
        + "m.error_code, m.sent_by, m.created_at"
    static let joined = "messages m JOIN message_threads t ON t.id = m.thread_id"

    let writer: StoreWriter
    let readers: StoreReaders?

    init(writer: StoreWriter, readers: StoreReaders?) {
        self.writer = writer
        self.readers = readers
    }

    static func message(_ row: SQLiteRow, from i: Int32 = 0) -> TextMessage {
        TextMessage(id: row.int(i), sid: row.text(i + 1), threadID: row.int(i + 2), number: row.text(i + 3),
                    party: row.text(i + 4), direction: TextDirection(rawValue: row.text(i + 5)) ?? .incoming,
                    body: row.text(i + 6), media: TextMessage.media(fromText: row.text(i + 7)), status: row.text(i + 8),
                    errorCode: row.optionalInt(i + 9), sentBy: row.optionalText(i + 10), createdAt: row.int(i + 11))
    }

    func save(_ message: TextMessage, then: @escaping StoreCompletion<SavedText>) {
        write(then) { db in
            if let kept = try MessageTable.find(message.sid, db) { return SavedText(message: kept, isNew: false) }
            try db.statement("INSERT INTO message_threads (number, party) VALUES (?, ?) ON CONFLICT (number, party) DO NOTHING")
                .run([.text(message.number), .text(message.party)])
            let threadID = try db.statement("SELECT id FROM message_threads WHERE number = ? AND party = ?")
                .first([.text(message.number), .text(message.party)]) { $0.int(0) } ?? 0
            try db.statement("""
                INSERT INTO messages (sid, thread_id, direction, body, media, status, error_code, sent_by, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).run([.text(message.sid), .int(threadID), .text(message.direction.rawValue), .text(message.body),
                          .text(TextMessage.mediaText(message.media)), .text(message.status), .int(message.errorCode),
                          .text(message.sentBy), .int(message.createdAt)])
            var stored = message
            stored.id = db.lastInsertRowID
            stored.threadID = threadID
            try db.statement("UPDATE message_threads SET last_id = ? WHERE id = ?").run([.int(stored.id), .int(threadID)])
            return SavedText(message: stored, isNew: true)
        }
    }

    func updateStatus(sid: String, status: String, errorCode: Int?, then: @escaping StoreCompletion<TextMessage?>) {
        write(then) { db in
            guard var message = try MessageTable.find(sid, db),
                  TextMessage.progress(of: status) > TextMessage.progress(of: message.status) else { return nil }
            try db.statement("UPDATE messages SET status = ?, error_code = coalesce(?, error_code) WHERE sid = ?")
                .run([.text(status), .int(errorCode), .text(sid)])
            message.status = status
            message.errorCode = errorCode ?? message.errorCode
            return message
        }
    }

    /// Incoming messages of thread `t` after `reader`'s read mark (bound first).
    static let unread = """
        (SELECT count(*) FROM messages u WHERE u.thread_id = t.id AND u.direction = 'in' AND u.id > coalesce(
            (SELECT r.last_read FROM thread_reads r WHERE r.thread_id = t.id AND r.reader = ?), 0))
        """

    static func thread(_ row: SQLiteRow) -> TextThread {
        let last = message(row, from: 1)
        return TextThread(id: last.threadID, number: last.number, party: last.party, last: last, unread: row.int(0))
    }

    func threads(numbers: [String], user: String, limit: Int, then: @escaping StoreCompletion<[TextThread]>) {
        read(then) { db in
            // One statement shape for any count of numbers: they travel as one separated string.
            let list = "," + numbers.joined(separator: ",") + ","
            return try db.statement("""
                SELECT \(MessageTable.unread), \(MessageTable.columns) FROM \(MessageTable.joined)
                WHERE m.id = t.last_id AND instr(?, ',' || t.number || ',') > 0 ORDER BY t.last_id DESC LIMIT ?
                """).rows([.text(user), .text(list), .int(limit)], MessageTable.thread)
        }
    }

    func thread(id: Int, user: String, then: @escaping StoreCompletion<TextThread?>) {
        read(then) { db in
            try db.statement("""
                SELECT \(MessageTable.unread), \(MessageTable.columns) FROM \(MessageTable.joined)
                WHERE m.id = t.last_id AND t.id = ?
                """).first([.text(user), .int(id)], MessageTable.thread)
        }
    }

    func messages(threadID: Int, before: Int?, limit: Int, then: @escaping StoreCompletion<[TextMessage]>) {
        read(then) { db in
            try db.statement("""
                SELECT \(MessageTable.columns) FROM \(MessageTable.joined) WHERE m.thread_id = ? AND m.id < ?
                ORDER BY m.id DESC LIMIT ?
                """).rows([.int(threadID), .int(before ?? Int.max), .int(limit)]) { MessageTable.message($0) }
        }
    }

    func markRead(threadID: Int, user: String, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.statement("""
                INSERT INTO thread_reads (thread_id, reader, last_read) SELECT id, ?, last_id FROM message_threads WHERE id = ?
                ON CONFLICT (thread_id, reader) DO UPDATE SET last_read = max(last_read, excluded.last_read)
                """).run([.text(user), .int(threadID)]) == 1
        }
    }

    func message(sid: String, then: @escaping StoreCompletion<TextMessage?>) {
        read(then) { db in try MessageTable.find(sid, db) }
    }

    func search(numbers: [String], text: String, digits: String, limit: Int, then: @escaping StoreCompletion<[TextMessage]>) {
        read(then) { db in try MessageTable.search(numbers: numbers, text: text, digits: digits, limit: limit, db) }
    }

    /// Newest first, the texts on `numbers` whose body holds `text` (ASCII case ignored) or whose
    /// other party holds `digits`. Each half finds its own newest `limit` without reading every
    /// text: the body through the trigram index (a `text` under 3 characters scans newest first,
    /// and nearly every text has it), the party through the threads and each one's newest texts.
    static func search(numbers: [String], text: String, digits: String, limit: Int, _ db: SQLiteConnection) throws -> [TextMessage] {
        let numberList = SQLValue.text("," + numbers.joined(separator: ",") + ",")
        var ids = try bodyMatches(numberList, text, limit, db)
        if !digits.isEmpty { ids.formUnion(try partyMatches(numberList, digits, limit, db)) }
        let newest = ids.sorted(by: >).prefix(max(0, limit))
        if newest.isEmpty { return [] }
        return try db.statement("SELECT \(columns) FROM \(joined) WHERE m.id IN (SELECT value FROM json_each(?)) ORDER BY m.id DESC")
            .rows([.text("[" + newest.map(String.init).joined(separator: ",") + "]")]) { message($0) }
    }

    private static func bodyMatches(_ numbers: SQLValue, _ text: String, _ limit: Int, _ db: SQLiteConnection) throws -> Set<Int> {
        let decides = "instr(?, ',' || t.number || ',') > 0 AND instr(lower(m.body), lower(?)) > 0"
        if text.unicodeScalars.count < 3 {
            return Set(try db.statement("SELECT m.id FROM \(joined) WHERE \(decides) ORDER BY m.id DESC LIMIT ?")
                .rows([numbers, .text(text), .int(limit)]) { $0.int(0) })
        }
        // The index finds a superset (it folds the case of all of Unicode, and is asked only for
        // the text's rarest trigrams when it has some); instr decides, as before it.
        let rare = try RareTrigrams(term: text, index: "messages_search", content: "messages", db)
        let asked = rare.map { CallSearchTerms.allOf($0.windows) } ?? CallSearchTerms.phrase(text)
        return Set(try db.statement("""
            SELECT m.id FROM messages_search s CROSS JOIN messages m ON m.id = s.rowid CROSS JOIN message_threads t ON t.id = m.thread_id
            WHERE messages_search MATCH ? AND \(decides) ORDER BY s.rowid DESC LIMIT ?
            """).rows([.text(asked), numbers, .text(text), .int(limit)]) { $0.int(0) })
    }

    private static func partyMatches(_ numbers: SQLValue, _ digits: String, _ limit: Int, _ db: SQLiteConnection) throws -> Set<Int> {
        let threads = try db.statement("SELECT id FROM message_threads WHERE instr(?, ',' || number || ',') > 0 AND instr(party, ?) > 0")
            .rows([numbers, .text(digits)]) { $0.int(0) }
        let newest = try db.statement("SELECT id FROM messages WHERE thread_id = ? ORDER BY id DESC LIMIT ?")
        var ids = Set<Int>()
        for thread in threads { try newest.forEach([.int(thread), .int(limit)]) { ids.insert($0.int(0)) } }
        return ids
    }

    static func find(_ sid: String, _ db: SQLiteConnection) throws -> TextMessage? {
        try db.statement("SELECT \(columns) FROM \(joined) WHERE m.sid = ?").first([.text(sid)]) { message($0) }
    }
}
