/// Every migration of the SQLite database, in order. Each table's file declares its own
/// (`SessionTable.migrations`, `CallTable.migrations`...); this list only puts them in order.
/// To add a table: write its file with `static let migrations`, add it here, and take the next
/// free version numbers (never renumber or edit a migration that has shipped).
enum SQLiteSchema {
    static let migrations: [Migration] = (SessionTable.migrations + CallTable.migrations
        + IntercomTables.migrations + VoicemailTable.migrations + NoticeTable.migrations + MessageTable.migrations
        + ContactTable.migrations + LoginFailureTable.migrations + SecretTable.migrations).sorted { $0.version < $1.version }

    /// The version a database has once every migration here is applied.
    static var latestVersion: Int { migrations.last?.version ?? 0 }

    /// `SHPH` in `PRAGMA application_id`: tells our database from any other SQLite file.
    static let applicationID = 0x5348_5048
}
