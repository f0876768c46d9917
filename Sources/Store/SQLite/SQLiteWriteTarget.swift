/// The SQLite side of the group-commit writer: the one read-write connection, prepared
/// statements for the batch's framing, and a rollback after a fault.
final class SQLiteWriteTarget: WriteTarget {
    let connection: SQLiteConnection
    let beginSQL = "BEGIN IMMEDIATE"

    init(connection: SQLiteConnection) { self.connection = connection }

    func withConnection<T>(_ body: (SQLiteConnection) throws -> T) throws -> T { try body(connection) }

    func execute(_ sql: String, on connection: SQLiteConnection) throws { try connection.statement(sql).run() }

    func isOpen(_ connection: SQLiteConnection) -> Bool { true }

    func abandon(_ connection: SQLiteConnection) {
        if connection.inTransaction { _ = try? connection.execute("ROLLBACK") }
    }

    func storeError(_ error: Error, concern: String) -> StoreError {
        error as? StoreError ?? StoreError(.constraint, "\(connection.file): \(concern): \(error)")
    }
}

/// The SQLite store's writer thread.
typealias StoreWriter = GroupCommitWriter<SQLiteWriteTarget>

extension GroupCommitWriter where Target == SQLiteWriteTarget {
    convenience init(connection: SQLiteConnection, faults: FaultLog) {
        self.init(target: SQLiteWriteTarget(connection: connection), label: connection.file, faults: faults)
    }
}
