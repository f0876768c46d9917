/// Brings a database to `SQLiteSchema.latestVersion`, one migration per transaction; refuses a
/// database written by a newer Shetphone or one that belongs to another program.
struct SchemaMigrator {
    let migrations: [Migration]

    init(migrations: [Migration] = SQLiteSchema.migrations) {
        self.migrations = migrations
    }

    /// The migrations applied now (empty when the database was current).
    @discardableResult
    func migrate(_ connection: SQLiteConnection) throws -> [Migration] {
        let latest = migrations.last?.version ?? 0
        let current = try checkedVersion(connection, latest: latest)
        return try apply(connection, after: current)
    }

    /// Applies, in order, every migration newer than `version` that the file still lacks.
    func apply(_ connection: SQLiteConnection, after version: Int) throws -> [Migration] {
        var applied: [Migration] = []
        for migration in migrations where migration.version > version {
            // The version is read again under the write lock: another process opening the same
            // file at the same moment may have applied this migration since the first read.
            let didApply = try connection.transaction { () -> Bool in
                guard try connection.integer("PRAGMA user_version") < migration.version else { return false }
                try connection.execute(migration.sql)
                try connection.execute("PRAGMA user_version = \(migration.version)")
                if migration.version == migrations.first?.version {
                    try connection.execute("PRAGMA application_id = \(SQLiteSchema.applicationID)")
                }
                return true
            }
            if didApply { applied.append(migration) }
        }
        return applied
    }

    /// The database's schema version, after checking it is ours and not newer than `latest`.
    func checkedVersion(_ connection: SQLiteConnection, latest: Int) throws -> Int {
        let owner = try connection.integer("PRAGMA application_id")
        let version = try connection.integer("PRAGMA user_version")
        if owner != 0 && owner != SQLiteSchema.applicationID {
            throw StoreError(.corrupt, "\(connection.file): not a Shetphone database (application_id \(owner))")
        }
        if owner == 0 && version != 0 {
            throw StoreError(.corrupt, "\(connection.file): not a Shetphone database (user_version \(version) without our application_id)")
        }
        if version > latest {
            throw StoreError(.schemaTooNew, "\(connection.file): schema version \(version) is newer than this shetphone knows (\(latest)); "
                + "run the newer shetphone that wrote it, or restore a backup")
        }
        return version
    }
}
