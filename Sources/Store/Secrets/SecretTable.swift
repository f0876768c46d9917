/// `secrets`: a few named byte strings every instance shares (`SecretRecords`).
final class SecretTable: SecretRecords, WritingTable, @unchecked Sendable {
    static let migrations = [
        Migration(12, "shared secrets", """
            CREATE TABLE secrets (
                name TEXT PRIMARY KEY,
                value BLOB NOT NULL
            ) WITHOUT ROWID;
            """),
    ]

    let writer: StoreWriter

    init(writer: StoreWriter) {
        self.writer = writer
    }

    func secretNow(named name: String, storingIfAbsent candidate: [UInt8]) throws -> [UInt8] {
        // In the writer's IMMEDIATE transaction: no other process writes between the two statements.
        try writer.writeAndWait { db -> [UInt8] in
            try db.statement("INSERT INTO secrets (name, value) VALUES (?, ?) ON CONFLICT(name) DO NOTHING")
                .run([.text(name), .blob(candidate)])
            guard let stored = try db.statement("SELECT value FROM secrets WHERE name = ?").first([.text(name)], { $0.blob(0) }) else {
                throw StoreError(.other, "\(db.file): secrets: \(name) is missing right after it was stored")
            }
            return stored
        }
    }
}
