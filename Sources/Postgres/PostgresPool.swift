import Glibc
import Web

/// A few PostgreSQL connections shared by the store's threads. `withConnection` blocks until one
/// is free, so it is for store threads only: an event loop never waits here. A connection that
/// broke is dropped and a new one is made on the next checkout; an idle one the server hung up on
/// (a restart) is noticed at checkout and replaced before use; when a statement failed because
/// the connection broke, the caller sees `.connectionLost` and decides whether to retry.
public final class PostgresPool: @unchecked Sendable {
    public let url: PostgresURL
    public let size: Int
    private let applicationName: String
    private var mutex = pthread_mutex_t()
    private var available = pthread_cond_t()
    private var idle: [PostgresConnection] = []
    private var open = 0
    private var closed = false

    /// Makes no connection yet: the first `withConnection` does (`check()` tries one at once).
    public init(url: PostgresURL, size: Int = 4, applicationName: String = "shetphone") {
        self.url = url
        self.size = max(1, size)
        self.applicationName = applicationName
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&available, nil)
    }

    deinit {
        pthread_cond_destroy(&available)
        pthread_mutex_destroy(&mutex)
    }

    /// Connects once and runs `SELECT 1`: the start-up check that names what is wrong.
    public func check() throws {
        _ = try withConnection { try $0.query("SELECT 1 AS one") }
    }

    /// Runs `body` with a connection of its own. Never call it on an event loop.
    public func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        precondition(EventLoop.current == nil, "PostgresPool used on an event loop")
        let connection = try checkout()
        do {
            let value = try body(connection)
            checkin(connection)
            return value
        } catch {
            checkin(connection)
            throw error
        }
    }

    /// Runs `body` in a transaction on a pooled connection.
    @discardableResult
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try withConnection { try $0.transaction(body) }
    }

    /// Closes the idle connections and refuses new checkouts; busy ones close when returned.
    public func close() {
        pthread_mutex_lock(&mutex)
        closed = true
        pthread_mutex_unlock(&mutex)
        dropIdle()
    }

    /// Closes the idle connections, so the next checkouts connect afresh: after the database was
    /// away they are most likely broken, and a request would only find out by failing on one.
    /// Busy connections are judged when they come back.
    public func dropIdle() {
        pthread_mutex_lock(&mutex)
        let closing = idle
        idle.removeAll()
        open -= closing.count
        pthread_cond_broadcast(&available)
        pthread_mutex_unlock(&mutex)
        closing.forEach { $0.close() }
    }

    /// Connections open now (idle and busy).
    public var openCount: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return open
    }

    private func checkout() throws -> PostgresConnection {
        pthread_mutex_lock(&mutex)
        // Idle connections the server hung up on (a restart) are closed here, not handed out to fail.
        var stale: [PostgresConnection] = []
        defer { stale.forEach { $0.close() } }
        while true {
            if closed {
                pthread_mutex_unlock(&mutex)
                throw PostgresError.closed
            }
            if let connection = idle.popLast() {
                if connection.isQuietWhileIdle {
                    pthread_mutex_unlock(&mutex)
                    return connection
                }
                stale.append(connection)
                open -= 1
                continue
            }
            if open < size { break }
            pthread_cond_wait(&available, &mutex)
        }
        open += 1
        pthread_mutex_unlock(&mutex)
        do {
            return try PostgresConnection(url: url, applicationName: applicationName)
        } catch {
            pthread_mutex_lock(&mutex)
            open -= 1
            pthread_cond_signal(&available)
            pthread_mutex_unlock(&mutex)
            throw error
        }
    }

    private func checkin(_ connection: PostgresConnection) {
        pthread_mutex_lock(&mutex)
        // A broken connection, or one left inside a transaction by a failed body, is not reused.
        let reusable = !closed && connection.isOpen && connection.isIdle
        if reusable {
            idle.append(connection)
        } else {
            open -= 1
        }
        pthread_cond_signal(&available)
        pthread_mutex_unlock(&mutex)
        if !reusable { connection.close() }
    }
}
