import Glibc
import Logging
import Postgres

/// The store on PostgreSQL, for several instances behind one NGINX: the same interface, the
/// same numbered migrations and the same behaviour as `SQLiteStore`. One writer thread with
/// group commit and two reader threads share a small pool of connections; nothing here runs
/// on an event loop.
public final class PostgresStore: PhoneStore, @unchecked Sendable {
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
    public let url: PostgresURL
    private let postgresBus: PostgresBus
    public var bus: InstanceBus? { postgresBus }
    /// One instance of those sharing the database leads `role`: the holder of its advisory lock.
    public func leadership(of role: StoreRole) -> InstanceLeadership {
        PostgresLeadership(url: url, role: role, logger: logger)
    }
    /// The migrations this start applied.
    public let applied: [Migration]
    private let pool: PostgresPool
    private let writer: PostgresStoreWriter
    private let readers: PostgresStoreReaders
    private let faults: FaultLog
    private let logger: Logger

    /// Connects, checks the server and migrates. A server that cannot be reached is a
    /// `.unavailable` error naming it; `connectWithRetries` waits for it instead.
    public init(url: PostgresURL, logger: Logger, poolSize: Int = 4) throws {
        self.url = url
        self.logger = logger
        location = url.redacted
        pool = PostgresPool(url: url, size: poolSize)
        do {
            applied = try pool.withConnection { db in
                let applied = try PostgresSchema.migrate(db, server: url.redacted)
                try db.execute(PostgresBus.migrations)
                return applied
            }
        } catch {
            pool.close()
            throw StoreError.from(error, server: url.redacted, concern: "migrate")
        }
        for migration in applied {
            logger.info("store \(url.redacted): applied migration \(migration.version) (\(migration.name))")
        }
        faults = FaultLog(logger: logger)
        writer = PostgresStoreWriter(pool: pool, faults: faults)
        readers = PostgresStoreReaders(pool: pool, count: 2)
        postgresBus = PostgresBus(url: url, writer: writer, pool: pool, logger: logger)
        sessions = PostgresSessionTable(writer: writer, instance: postgresBus.instance)
        calls = PostgresCallTable(writer: writer, readers: readers)
        intercom = PostgresIntercomTables(writer: writer, readers: readers)
        voicemail = PostgresVoicemailTable(writer: writer, readers: readers)
        messages = PostgresMessageTable(writer: writer, readers: readers)
        notices = PostgresNoticeTable(writer: writer)
        contacts = PostgresContactTable(writer: writer, readers: readers)
        loginFailures = PostgresLoginFailureTable(writer: writer, readers: readers)
        secrets = PostgresSecretTable(writer: writer)
    }

    /// Opens the store, waiting while the server is unreachable (database down at start): each
    /// failure is logged with its cause, and the delay doubles from 100 ms up to 5 s, for at most
    /// `attempts` tries. Other errors (schema too new) are thrown at once.
    public static func connectWithRetries(url: PostgresURL, logger: Logger, attempts: Int = 12,
                                          sleep: (UInt64) -> Void = PostgresStore.sleepMillis) throws -> PostgresStore {
        var backoff = PostgresBackoff()
        var attempt = 1
        while true {
            do {
                return try PostgresStore(url: url, logger: logger)
            } catch let error as StoreError where error.kind == .unavailable && attempt < attempts {
                let delay = backoff.nextDelayMillis()
                logger.error("\(error); trying again in \(delay) ms (attempt \(attempt) of \(attempts))")
                sleep(delay)
                attempt += 1
            }
        }
    }

    public static func sleepMillis(_ millis: UInt64) {
        var request = timespec(tv_sec: Int(millis / 1000), tv_nsec: Int(millis % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    public static var latestSchemaVersion: Int { PostgresSchema.latestVersion }

    public var isFailing: Bool { faults.isFailing }

    public var writeBacklog: Int { writer.backlog }

    /// Runs `pg_dump` (custom format) into a new file at `path`; a clear error when pg_dump is
    /// not on PATH or fails.
    public func backup(to path: String) throws {
        try PostgresDump.run(url: url, to: path)
    }

    /// The database's schema version and the migrations this binary would apply; changes nothing
    /// (`shetphone migrate --dry-run`). A schema newer than this binary is refused.
    public static func pendingMigrations(url: PostgresURL) throws -> (current: Int, pending: [Migration]) {
        do {
            let db = try PostgresConnection(url: url)
            defer { db.close() }
            let known = try db.query("SELECT to_regclass('shetphone_schema') IS NOT NULL AS known").first?.bool("known") ?? false
            let current = known ? try PostgresSchema.version(db) : 0
            if current > PostgresSchema.latestVersion {
                throw StoreError(.schemaTooNew, "\(url.redacted): schema version \(current) is newer than this shetphone knows "
                    + "(\(PostgresSchema.latestVersion)); run the newer shetphone that wrote it, or restore a backup")
            }
            return (current, PostgresSchema.migrations.filter { $0.version > current })
        } catch {
            throw StoreError.from(error, server: url.redacted, concern: "migrate")
        }
    }

    public func close() {
        postgresBus.stop()
        readers.close()
        writer.close()
        pool.close()
    }
}
