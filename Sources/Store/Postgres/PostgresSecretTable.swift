import Postgres

/// `secrets` on PostgreSQL: the same rows as `SecretTable`, shared by every instance.
final class PostgresSecretTable: SecretRecords, WritingTable, @unchecked Sendable {
    static let migrations = [
        Migration(12, "shared secrets", """
            CREATE TABLE secrets (
                name text PRIMARY KEY,
                value bytea NOT NULL
            );
            """),
    ]

    let writer: PostgresStoreWriter

    init(writer: PostgresStoreWriter) {
        self.writer = writer
    }

    func secretNow(named name: String, storingIfAbsent candidate: [UInt8]) throws -> [UInt8] {
        // An insert racing another instance's waits for it to commit and then does nothing;
        // the select (a new snapshot under READ COMMITTED) reads the row that won.
        try writer.writeAndWait { db -> [UInt8] in
            try db.query("INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
                         [.text(name), .bytes(candidate)])
            guard let stored = try db.query("SELECT value FROM secrets WHERE name = $1", [.text(name)]).first else {
                throw StoreError(.other, "secrets: \(name) is missing right after it was stored")
            }
            return try stored.bytes("value")
        }
    }
}
