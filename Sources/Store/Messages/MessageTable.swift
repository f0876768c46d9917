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
        read(then) { db in
            try db.statement("""
                SELECT \(MessageTable.columns) FROM \(MessageTable.joined) WHERE instr(?, ',' || t.number || ',') > 0
                AND (instr(lower(m.body), lower(?)) > 0 OR (? <> '' AND instr(t.party, ?) > 0)) ORDER BY m.id DESC LIMIT ?
                """).rows([.text("," + numbers.joined(separator: ",") + ","), .text(text), .text(digits), .text(digits),
                           .int(limit)]) { MessageTable.message($0) }
        }
    }

    static func find(_ sid: String, _ db: SQLiteConnection) throws -> TextMessage? {
        try db.statement("SELECT \(columns) FROM \(joined) WHERE m.sid = ?").first([.text(sid)]) { message($0) }
    }
}
