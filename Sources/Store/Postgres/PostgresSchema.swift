import Postgres

/// The PostgreSQL form of every migration, with the same numbers as `SQLiteSchema` (1 sessions,
/// 2 calls, 3 intercom, 4 voicemails, 5 notices, 6 texts, 7 contacts, 8 call search indexes,
/// 9-10 intercom, 11 login throttle, 12 shared secrets, 13 texts search,
/// 14 the number a call leg rang): each table's file declares both
/// dialects. `shetphone_schema` holds the version; migrating runs under an advisory lock, so
/// instances that start together apply each migration once.
enum PostgresSchema {
    static let migrations: [Migration] = (PostgresSessionTable.migrations + PostgresCallTable.migrations
        + PostgresIntercomTables.migrations + PostgresVoicemailTable.migrations
        + PostgresNoticeTable.migrations + PostgresMessageTable.migrations
        + PostgresContactTable.migrations + PostgresLoginFailureTable.migrations
        + PostgresSecretTable.migrations).sorted { $0.version < $1.version }

    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// Advisory lock key of migrations (`SHPH` as a number, like SQLite's application_id).
    static let migrationLock = 0x5348_5048

    /// Brings the database to `latestVersion`, one transaction per migration; refuses a schema
    /// newer than this binary knows. Returns the migrations applied now.
    static func migrate(_ db: PostgresConnection, server: String) throws -> [Migration] {
        try db.execute("CREATE TABLE IF NOT EXISTS shetphone_schema (version integer NOT NULL)")
        return try db.transaction { tx -> [Migration] in
            try tx.query("SELECT pg_advisory_xact_lock($1)", [.int(Int64(migrationLock))])
            let current = try version(tx)
            if current > latestVersion {
                throw StoreError(.schemaTooNew, "\(server): schema version \(current) is newer than this shetphone knows "
                    + "(\(latestVersion)); run the newer shetphone that wrote it, or restore a backup")
            }
            var applied: [Migration] = []
            for migration in migrations where migration.version > current {
                try tx.execute(migration.sql)
                try tx.query("DELETE FROM shetphone_schema")
                try tx.query("INSERT INTO shetphone_schema (version) VALUES ($1)", [.int(Int64(migration.version))])
                applied.append(migration)
            }
            return applied
        }
    }

    static func version(_ db: PostgresConnection) throws -> Int {
        Int(try db.query("SELECT coalesce(max(version), 0)::bigint AS version FROM shetphone_schema").first?
            .int("version") ?? 0)
    }
}
