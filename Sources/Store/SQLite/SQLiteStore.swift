import Glibc
import Logging

/// The embedded store: one SQLite file (or `:memory:`) in WAL mode, one writer thread with
/// group commit, a few reader threads. Opening it checks the file and applies the migrations;
/// any problem is one `StoreError` naming the file and the cause.
public final class SQLiteStore: PhoneStore, @unchecked Sendable {
    public let location: String
    public let sessions: SessionRecords
    public let calls: CallRecords
    public let intercom: IntercomRecords
    public let voicemail: VoicemailRecords
    public let messages: MessageRecords
    public let notices: NoticeRecords
    public let contacts: ContactRecords
    public let loginFailures: LoginFailureRecords
    public let secrets: SecretRecords
    private let writer: StoreWriter
    private let writerConnection: SQLiteConnection
    private let readers: StoreReaders?
    private let faults: FaultLog
    /// The migrations this start applied (for the log and `shetphone migrate`).
    public let applied: [Migration]

    /// Readers for a file database (2): enough for history pages while the writer commits.
    public static let readerCount = 2

    /// Opens (creating if needed) and migrates the database at `path` (`:memory:` for one in memory).
    public init(path: String, logger: Logger, readers readerCount: Int = SQLiteStore.readerCount) throws {
        location = path
        let connection = try SQLiteConnection(path: path)
        try SQLiteStore.configure(connection)
        applied = try SchemaMigrator().migrate(connection)
        for migration in applied {
            logger.info("store \(path): applied migration \(migration.version) (\(migration.name))")
        }
        faults = FaultLog(logger: logger)
        writerConnection = connection
        writer = StoreWriter(connection: connection, faults: faults)
        // An in-memory database is private to its connection: its reads go through the writer.
        do {
            readers = path == ":memory:" ? nil : try StoreReaders(path: path, count: readerCount)
        } catch {
            writer.close()
            throw error
        }
        sessions = SessionTable(writer: writer)
        calls = CallTable(writer: writer, readers: readers)
        intercom = IntercomTables(writer: writer, readers: readers)
        voicemail = VoicemailTable(writer: writer, readers: readers)
        messages = MessageTable(writer: writer, readers: readers)
        notices = NoticeTable(writer: writer)
        contacts = ContactTable(writer: writer, readers: readers)
        loginFailures = LoginFailureTable(writer: writer, readers: readers)
        secrets = SecretTable(writer: writer)
    }

    /// WAL (readers never block the writer), full sync at each commit (an acknowledged write
    /// survives a power cut: group commit pays it once a batch), foreign keys on. Reading the
    /// schema here makes a file that is not a database fail now, naming the file.
    static func configure(_ connection: SQLiteConnection) throws {
        _ = try connection.integer("SELECT count(*) FROM sqlite_master")
        if connection.file != ":memory:" {
            let mode = try connection.statement("PRAGMA journal_mode = WAL").first { $0.text(0) } ?? ""
            guard mode.lowercased() == "wal" else {
                throw StoreError(.cannotOpen, "\(connection.file): cannot switch to WAL mode (journal_mode is \(mode))")
            }
        }
        try connection.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
    }

    /// Opens the file only to report the schema version and what migrating would do (no writes).
    public static func pendingMigrations(path: String) throws -> (current: Int, pending: [Migration]) {
        let connection = try SQLiteConnection(path: path, readOnly: true)
        let current = try SchemaMigrator().checkedVersion(connection, latest: SQLiteSchema.latestVersion)
        return (current, SQLiteSchema.migrations.filter { $0.version > current })
    }

    /// The schema version this binary brings a database to.
    public static var latestSchemaVersion: Int { SQLiteSchema.latestVersion }

    public var isFailing: Bool { faults.isFailing }

    public var writeBacklog: Int { writer.backlog }

    public func backup(to path: String) throws {
        if access(path, F_OK) == 0 {
            throw StoreError(.cannotOpen, "\(path): already exists; backup writes a new file only")
        }
        try writer.runAloneAndWait { db in try db.backup(to: path) }
    }

    /// `PRAGMA integrity_check`'s verdict: `ok`, or what is wrong (blocks: CLI and tests).
    public func integrityCheck() throws -> String {
        try writer.writeAndWait { db in
            try db.statement("PRAGMA integrity_check").rows { $0.text(0) }.joined(separator: "; ")
        }
    }

    /// Finishes the queued work, stops the threads, then closes every connection (the
    /// writer's last, so it checkpoints the WAL into the file).
    public func close() {
        readers?.close()
        writer.close()
        writerConnection.close()
    }
}
