import Postgres

/// `voicemails` on PostgreSQL: the same rows and rules as `VoicemailTable`.
final class PostgresVoicemailTable: VoicemailRecords, ReadingTable, @unchecked Sendable {
    static let migrations = [
        Migration(4, "voicemails table", """
            CREATE TABLE voicemails (
                recording_sid text PRIMARY KEY,
                call_sid text NOT NULL,
                number text NOT NULL,
                caller text NOT NULL,
                duration bigint NOT NULL,
                transcript text,
                received_at bigint NOT NULL,
                heard_at bigint
            );
            CREATE INDEX voicemails_by_number ON voicemails (number, received_at);
            """),
    ]

    let writer: PostgresStoreWriter
    let readers: PostgresStoreReaders?

    init(writer: PostgresStoreWriter, readers: PostgresStoreReaders) {
        self.writer = writer
        self.readers = readers
    }

    static func voicemail(_ row: PostgresRow) throws -> Voicemail {
        Voicemail(recordingSID: try row.string("recording_sid"), callSID: try row.string("call_sid"),
                  number: try row.string("number"), from: try row.string("caller"),
                  durationSeconds: Int(try row.int("duration")), transcript: try row.optionalString("transcript"),
                  receivedAt: Int(try row.int("received_at")), heardAt: try row.optionalInt("heard_at").map(Int.init))
    }

    func save(_ voicemail: Voicemail, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.query("""
                INSERT INTO voicemails (\(VoicemailTable.columns)) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL)
                ON CONFLICT (recording_sid) DO NOTHING
                """, [.text(voicemail.recordingSID), .text(voicemail.callSID), .text(voicemail.number),
                      .text(voicemail.from), .int(voicemail.durationSeconds), .text(voicemail.transcript),
                      .int(voicemail.receivedAt)]).affected == 1
        }
    }

    func setTranscript(recordingSID: String, transcript: String, then: @escaping StoreCompletion<Voicemail?>) {
        write(then) { db in
            try db.query("UPDATE voicemails SET transcript = $1 WHERE recording_sid = $2", [.text(transcript), .text(recordingSID)])
            return try PostgresVoicemailTable.find(recordingSID, db)
        }
    }

    func list(numbers: [String], limit: Int, then: @escaping StoreCompletion<[Voicemail]>) {
        read(then) { db in
            // One statement shape for any count of numbers: they travel as one text array.
            try db.query("""
                SELECT \(VoicemailTable.columns) FROM voicemails WHERE number = ANY (string_to_array($1, ','))
                ORDER BY heard_at IS NOT NULL, received_at DESC LIMIT $2
                """, [.text(numbers.joined(separator: ",")), .int(limit)]).all.map(PostgresVoicemailTable.voicemail)
        }
    }

    func find(recordingSID: String, then: @escaping StoreCompletion<Voicemail?>) {
        read(then) { db in try PostgresVoicemailTable.find(recordingSID, db) }
    }

    static func find(_ sid: String, _ db: PostgresConnection) throws -> Voicemail? {
        try db.query("SELECT \(VoicemailTable.columns) FROM voicemails WHERE recording_sid = $1", [.text(sid)]).first
            .map(voicemail)
    }

    func markHeard(recordingSID: String, at: Int, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.query("UPDATE voicemails SET heard_at = coalesce(heard_at, $1) WHERE recording_sid = $2",
                         [.int(at), .text(recordingSID)]).affected == 1
        }
    }

    func delete(recordingSID: String, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.query("DELETE FROM voicemails WHERE recording_sid = $1", [.text(recordingSID)]).affected == 1
        }
    }
}
