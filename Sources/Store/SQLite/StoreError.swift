import CSQLite

/// Why the store could not do something: what kind of fault, and a message naming the
/// database file and the SQL concern (`calls: merge`), never a bare SQLite code.
public struct StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The kinds of fault a caller acts on differently.
    public enum Kind: String, Sendable {
        /// The disk (or quota) is full: retry later, the store resumes by itself.
        case diskFull
        /// Another process holds the database locked.
        case locked
        /// The file is not a database, or is damaged.
        case corrupt
        /// The file or its folder cannot be opened, read or written.
        case cannotOpen
        /// The database was written by a newer Shetphone.
        case schemaTooNew
        /// A constraint (unique, not null, check) refused the row.
        case constraint
        /// The store's queue is full or it is shutting down.
        case unavailable
        /// Anything else SQLite reported.
        case other
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    /// True for faults of the disk or the file, after which the whole batch is given up.
    var abortsBatch: Bool {
        switch kind {
        case .diskFull, .locked, .corrupt, .cannotOpen, .unavailable: return true
        case .schemaTooNew, .constraint, .other: return false
        }
    }

    /// The error SQLite reported for `code` on `connection`, for `concern` (`calls: merge`).
    init(code: Int32, connection: OpaquePointer?, file: String, concern: String) {
        let detail = connection.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) }
            ?? String(cString: sqlite3_errstr(code))
        let primary = code & 0xff
        let kind: Kind
        switch primary {
        case SQLITE_FULL: kind = .diskFull
        case SQLITE_BUSY, SQLITE_LOCKED: kind = .locked
        case SQLITE_CORRUPT, SQLITE_NOTADB: kind = .corrupt
        case SQLITE_CANTOPEN, SQLITE_PERM, SQLITE_READONLY, SQLITE_AUTH: kind = .cannotOpen
        case SQLITE_CONSTRAINT: kind = .constraint
        case SQLITE_IOERR:
            // ENOSPC during a write surfaces as an I/O error on some paths (WAL, journal).
            kind = detail.contains("disk") || (code == SQLITE_IOERR | (13 << 8)) ? .diskFull : .other
        default: kind = .other
        }
        self.init(kind, "\(file): \(concern): \(detail) (SQLite code \(code))")
    }
}

extension StoreError {
    /// The writer's or readers' queue is full (or the store is closing).
    static let queueFull = StoreError(.unavailable, "store: too many writes waiting; try again")
}
