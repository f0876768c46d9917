import Glibc
import Logging
import Postgres

/// `InstanceLeadership` on `pg_try_advisory_lock`, held by a session of its own: a thread keeps
/// one connection, tries the lock once a second while it does not hold it, and checks the
/// connection while it does. An instance that dies (or loses its connection) drops the lock
/// with its session, and another instance takes it within about a second.
final class PostgresLeadership: InstanceLeadership, @unchecked Sendable {
    static let checkMillis: UInt64 = 1000
    private let url: PostgresURL
    private let key: Int64
    private let logger: Logger
    private var mutex = pthread_mutex_t()
    private var leading = false
    private var running = true
    private var thread: pthread_t?

    init(url: PostgresURL, role: StoreRole, logger: Logger) {
        self.url = url
        key = role.rawValue
        self.logger = logger
        pthread_mutex_init(&mutex, nil)
        thread = startThread { [self] in run() }
    }

    deinit { pthread_mutex_destroy(&mutex) }

    var isLeader: Bool { locked { leading } }

    func stop() {
        locked { running = false }
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func run() {
        var connection: PostgresConnection?
        while locked({ running }) {
            do {
                let open = try connection ?? PostgresConnection(url: url, applicationName: "shetphone-lead")
                connection = open
                if locked({ leading }) {
                    _ = try open.query("SELECT 1")
                } else if try open.query("SELECT pg_try_advisory_lock($1::bigint) AS got", [.int(key)]).first?.bool("got") == true {
                    locked { leading = true }
                    logger.info("store: this instance now leads the intercom (advisory lock \(key))")
                }
            } catch {
                if locked({ leading }) { logger.warning("store: lost the intercom's lead: \(error)") }
                locked { leading = false }
                connection?.close()
                connection = nil
            }
            var slept: UInt64 = 0
            while slept < PostgresLeadership.checkMillis, locked({ running }) {
                PostgresStore.sleepMillis(50)
                slept += 50
            }
        }
        // Closing the session releases the lock at once.
        connection?.close()
        locked { leading = false }
    }

    private func locked<T>(_ body: () -> T) -> T {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return body()
    }
}
