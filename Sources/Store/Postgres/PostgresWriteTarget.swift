import Postgres

/// The PostgreSQL side of the group-commit writer: a pooled connection per batch; a connection
/// a fault left inside a transaction is dropped by the pool, and the next batch connects again.
final class PostgresWriteTarget: WriteTarget {
    let pool: PostgresPool
    let beginSQL = "BEGIN"

    init(pool: PostgresPool) { self.pool = pool }

    func withConnection<T>(_ body: (PostgresConnection) throws -> T) throws -> T { try pool.withConnection(body) }

    func execute(_ sql: String, on connection: PostgresConnection) throws { try connection.execute(sql) }

    func isOpen(_ connection: PostgresConnection) -> Bool { connection.isOpen }

    func abandon(_ connection: PostgresConnection) {}

    // A batch's notifications go out in one statement before COMMIT, not a round trip each.
    func batchBegan(on connection: PostgresConnection) { connection.holdNotifications() }

    func mark(on connection: PostgresConnection) -> Int { connection.heldNotificationCount }

    func rollBack(toMark mark: Int, on connection: PostgresConnection) {
        connection.dropHeldNotifications(after: mark)
    }

    func batchWillCommit(on connection: PostgresConnection) throws { try connection.sendHeldNotifications() }

    func batchEnded(on connection: PostgresConnection) { connection.forgetHeldNotifications() }

    func storeError(_ error: Error, concern: String) -> StoreError {
        StoreError.from(error, server: pool.url.redacted, concern: concern)
    }
}

/// The PostgreSQL store's writer thread.
typealias PostgresStoreWriter = GroupCommitWriter<PostgresWriteTarget>

extension GroupCommitWriter where Target == PostgresWriteTarget {
    convenience init(pool: PostgresPool, faults: FaultLog) {
        self.init(target: PostgresWriteTarget(pool: pool), label: pool.url.redacted, faults: faults)
    }
}
