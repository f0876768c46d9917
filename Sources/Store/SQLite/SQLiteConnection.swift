import CSQLite

/// One SQLite connection, used by one thread at a time, with its prepared statements cached
/// by SQL text: each statement is compiled once for the connection's life.
public final class SQLiteConnection {
    let handle: OpaquePointer
    /// The database file as the user named it, for error messages.
    public let file: String
    private var statements: [String: SQLiteStatement] = [:]
    private var isClosed = false

    /// How long a statement waits for another connection's lock before failing (2 s).
    static let busyTimeoutMillis: Int32 = 2000

    /// Opens `path` (`:memory:` for a private in-memory database). `readOnly` connections never
    /// create the file. The error names the file and why it failed.
    public init(path: String, readOnly: Bool = false) throws {
        var pointer: OpaquePointer?
        let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
            | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
        let code = sqlite3_open_v2(path, &pointer, flags, nil)
        guard code == SQLITE_OK, let pointer else {
            let error = StoreError(code: code, connection: pointer, file: path, concern: "open")
            sqlite3_close_v2(pointer)
            throw error
        }
        handle = pointer
        file = path
        sqlite3_busy_timeout(handle, SQLiteConnection.busyTimeoutMillis)
    }

    deinit { close() }

    /// Finalizes the cached statements and closes the database. The last connection to a file
    /// checkpoints the WAL and removes the `-wal` and `-shm` files, so a cleanly stopped server
    /// leaves one self-contained file. Only once the connection's thread has stopped: it must
    /// not be used afterwards.
    public func close() {
        guard !isClosed else { return }
        isClosed = true
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// The cached prepared statement for `sql`, compiled on first use.
    public func statement(_ sql: String) throws -> SQLiteStatement {
        if let cached = statements[sql] { return cached }
        var pointer: OpaquePointer?
        let code = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &pointer, nil)
        let concern = SQLiteConnection.concern(of: sql)
        guard code == SQLITE_OK, let pointer else { throw error(code, "prepare " + concern) }
        let statement = SQLiteStatement(handle: pointer, concern: concern, connection: self)
        statements[sql] = statement
        return statement
    }

    /// Runs one or more statements without results (schema, pragmas, BEGIN/COMMIT).
    public func execute(_ sql: String) throws {
        let code = sqlite3_exec(handle, sql, nil, nil, nil)
        guard code == SQLITE_OK else { throw error(code, SQLiteConnection.concern(of: sql)) }
    }

    /// The single integer a pragma or query returns (`PRAGMA user_version`).
    public func integer(_ sql: String) throws -> Int {
        try statement(sql).first { $0.int(0) } ?? 0
    }

    /// The rowid of the last row inserted on this connection.
    public var lastInsertRowID: Int { Int(sqlite3_last_insert_rowid(handle)) }

    /// True inside an open transaction.
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in one transaction: committed when it returns, rolled back when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN IMMEDIATE")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if inTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// Copies the whole database to `path` with SQLite's online backup (safe while others write).
    public func backup(to path: String) throws {
        let target = try SQLiteConnection(path: path)
        guard let backup = sqlite3_backup_init(target.handle, "main", handle, "main") else {
            throw target.error(sqlite3_errcode(target.handle), "backup to \(path)")
        }
        var code: Int32
        repeat {
            code = sqlite3_backup_step(backup, 256)
            if code == SQLITE_BUSY || code == SQLITE_LOCKED { sqlite3_sleep(50) }
        } while code == SQLITE_OK || code == SQLITE_BUSY || code == SQLITE_LOCKED
        sqlite3_backup_finish(backup)
        guard code == SQLITE_DONE else { throw target.error(code, "backup to \(path)") }
    }

    func error(_ code: Int32, _ concern: String) -> StoreError {
        StoreError(code: code, connection: handle, file: file, concern: concern)
    }

    /// `INSERT INTO calls` from the SQL text: what an error message calls the statement.
    static func concern(of sql: String) -> String {
        let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "(" }).prefix(3)
        return words.joined(separator: " ")
    }
}
