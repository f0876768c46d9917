/// `voicemails`: one row per Twilio recording.
final class VoicemailTable: VoicemailRecords, ReadingTable, @unchecked Sendable {
    static let migrations = [
        Migration(4, "voicemails table", """
            CREATE TABLE voicemails (
                recording_sid TEXT PRIMARY KEY,
                call_sid TEXT NOT NULL,
                number TEXT NOT NULL,
                caller TEXT NOT NULL,
                duration INTEGER NOT NULL,
                transcript TEXT,
                received_at INTEGER NOT NULL,
                heard_at INTEGER
            ) WITHOUT ROWID;
            CREATE INDEX voicemails_by_number ON voicemails (number, received_at);
            """),
    ]

    let writer: StoreWriter
    let readers: StoreReaders?

    init(writer: StoreWriter, readers: StoreReaders?) {
        self.writer = writer
        self.readers = readers
    }

    static let columns = "recording_sid, call_sid, number, caller, duration, transcript, received_at, heard_at"

    static func voicemail(_ row: SQLiteRow) -> Voicemail {
        Voicemail(recordingSID: row.text(0), callSID: row.text(1), number: row.text(2), from: row.text(3),
                  durationSeconds: row.int(4), transcript: row.optionalText(5), receivedAt: row.int(6),
                  heardAt: row.optionalInt(7))
    }

    func save(_ voicemail: Voicemail, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.statement("""
                INSERT INTO voicemails (\(VoicemailTable.columns)) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
                ON CONFLICT(recording_sid) DO NOTHING
                """).run([.text(voicemail.recordingSID), .text(voicemail.callSID), .text(voicemail.number),
                          .text(voicemail.from), .int(voicemail.durationSeconds), .text(voicemail.transcript),
                          .int(voicemail.receivedAt)]) == 1
        }
    }

    func setTranscript(recordingSID: String, transcript: String, then: @escaping StoreCompletion<Voicemail?>) {
        write(then) { db in
            try db.statement("UPDATE voicemails SET transcript = ? WHERE recording_sid = ?").run([.text(transcript), .text(recordingSID)])
            return try VoicemailTable.find(recordingSID, db)
        }
    }

    func list(numbers: [String], limit: Int, then: @escaping StoreCompletion<[Voicemail]>) {
        read(then) { db in
            // One statement shape for any count of numbers: they travel as one separated string.
            let joined = "," + numbers.joined(separator: ",") + ","
            return try db.statement("""
                SELECT \(VoicemailTable.columns) FROM voicemails WHERE instr(?, ',' || number || ',') > 0
                ORDER BY heard_at IS NOT NULL, received_at DESC LIMIT ?
                """).rows([.text(joined), .int(limit)], VoicemailTable.voicemail)
        }
    }

    func find(recordingSID: String, then: @escaping StoreCompletion<Voicemail?>) {
        read(then) { db in try VoicemailTable.find(recordingSID, db) }
    }

    static func find(_ sid: String, _ db: SQLiteConnection) throws -> Voicemail? {
        try db.statement("SELECT \(columns) FROM voicemails WHERE recording_sid = ?").first([.text(sid)], voicemail)
    }

    func markHeard(recordingSID: String, at: Int, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.statement("UPDATE voicemails SET heard_at = coalesce(heard_at, ?) WHERE recording_sid = ?")
                .run([.int(at), .text(recordingSID)]) == 1
        }
    }

    func delete(recordingSID: String, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in try db.statement("DELETE FROM voicemails WHERE recording_sid = ?").run([.text(recordingSID)]) == 1 }
    }
}
