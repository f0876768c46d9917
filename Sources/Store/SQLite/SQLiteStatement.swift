import CSQLite

/// One prepared statement, prepared once per connection and reused: bind, step, reset.
/// Belongs to its connection's thread, like the connection.
public final class SQLiteStatement {
    let handle: OpaquePointer
    /// Names the statement in errors: the SQL's first words.
    let concern: String
    unowned let connection: SQLiteConnection

    init(handle: OpaquePointer, concern: String, connection: SQLiteConnection) {
        self.handle = handle
        self.concern = concern
        self.connection = connection
    }

    deinit { sqlite3_finalize(handle) }

    /// Runs the statement for its effect (INSERT, UPDATE, DELETE); returns the rows changed.
    @discardableResult
    public func run(_ values: [SQLValue] = []) throws -> Int {
        try bind(values)
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        guard code == SQLITE_DONE || code == SQLITE_ROW else { throw connection.error(code, concern) }
        return Int(sqlite3_changes(connection.handle))
    }

    /// Runs a query and calls `body` for each row.
    public func forEach(_ values: [SQLValue] = [], _ body: (SQLiteRow) throws -> Void) throws {
        try bind(values)
        defer { sqlite3_reset(handle) }
        while true {
            let code = sqlite3_step(handle)
            if code == SQLITE_DONE { return }
            guard code == SQLITE_ROW else { throw connection.error(code, concern) }
            try body(SQLiteRow(handle: handle))
        }
    }

    /// The rows of a query, each made into a value by `make`.
    public func rows<T>(_ values: [SQLValue] = [], _ make: (SQLiteRow) throws -> T) throws -> [T] {
        var result: [T] = []
        try forEach(values) { result.append(try make($0)) }
        return result
    }

    /// The first row of a query made into a value, or nil when there is none.
    public func first<T>(_ values: [SQLValue] = [], _ make: (SQLiteRow) throws -> T) throws -> T? {
        try bind(values)
        defer { sqlite3_reset(handle) }
        let code = sqlite3_step(handle)
        if code == SQLITE_DONE { return nil }
        guard code == SQLITE_ROW else { throw connection.error(code, concern) }
        return try make(SQLiteRow(handle: handle))
    }

    private func bind(_ values: [SQLValue]) throws {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
        let expected = Int(sqlite3_bind_parameter_count(handle))
        guard values.count == expected else {
            throw StoreError(.other, "\(connection.file): \(concern): \(values.count) values bound to \(expected) parameters")
        }
        for (offset, value) in values.enumerated() {
            let index = Int32(offset + 1)
            let code: Int32
            switch value {
            case .null: code = sqlite3_bind_null(handle, index)
            case .int(let number): code = sqlite3_bind_int64(handle, index, number)
            case .double(let number): code = sqlite3_bind_double(handle, index, number)
            case .text(let text):
                code = text.utf8CString.withUnsafeBufferPointer {
                    sqlite3_bind_text(handle, index, $0.baseAddress, Int32($0.count - 1), csqlite_transient())
                }
            case .blob(let bytes):
                code = bytes.withUnsafeBytes {
                    sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), csqlite_transient())
                }
            }
            guard code == SQLITE_OK else { throw connection.error(code, concern) }
        }
    }
}
