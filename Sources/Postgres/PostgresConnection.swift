import CLazyPostgres
import CPostgres
import Glibc

/// One libpq connection. It blocks the calling thread on every round trip, so it belongs on a
/// store thread or a listener thread, never on an event loop; one thread uses it at a time
/// (`PostgresPool` hands connections out).
public final class PostgresConnection {
    public let url: PostgresURL
    private var connection: OpaquePointer?
    /// Prepared statements of this session, by SQL text: each statement is parsed once per connection.
    private var prepared: [String: String] = [:]
    /// While a writer batch runs: the notifications its jobs sent, held for one statement before COMMIT.
    var heldNotifications: [(channel: String, payload: String)]?

    /// Connects now; throws `.connect` naming the server and libpq's reason.
    public init(url: PostgresURL, applicationName: String = "shetphone", connectTimeoutSeconds: Int = 5) throws {
        self.url = url
        // Defaults first, the URL last: what the URL says wins (expand_dbname = 1).
        let keys = ["connect_timeout", "application_name", "dbname"]
        let values = [String(connectTimeoutSeconds), applicationName, url.text]
        let conn = PostgresConnection.withCStrings(keys) { keyPointers in
            PostgresConnection.withCStrings(values) { valuePointers in
                PQconnectdbParams(keyPointers, valuePointers, 1)
            }
        }
        guard let conn else {
            // NULL: libpq could not be loaded (it is opened on first use), or it ran out of memory.
            let reason = shet_libpq_load_error().map { String(cString: $0) } ?? "out of memory"
            throw PostgresError.connect(server: url.redacted, message: reason)
        }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = PostgresConnection.message(conn)
            PQfinish(conn)
            throw PostgresError.connect(server: url.redacted, message: message)
        }
        connection = conn
    }

    deinit { close() }

    public func close() {
        if let connection { PQfinish(connection) }
        connection = nil
        prepared.removeAll()
    }

    /// False once the connection broke; a pool drops such a connection.
    public var isOpen: Bool {
        guard let connection else { return false }
        return PQstatus(connection) == CONNECTION_OK
    }

    /// False when something arrived on this connection while no query was outstanding: after a
    /// restart or an administrator's kill, the server's last words and its hang-up wait in the
    /// socket, and the first statement sent would fail. Pool connections never LISTEN, so
    /// anything at all is taken as the end. One `poll`, no round trip.
    public var isQuietWhileIdle: Bool {
        guard let connection, PQstatus(connection) == CONNECTION_OK else { return false }
        var socket = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
        return poll(&socket, 1, 0) == 0
    }

    /// The server process serving this connection (the `be_pid` of notifications it sends).
    public var backendPID: Int32 {
        connection.map { PQbackendPID($0) } ?? 0
    }

    /// Whether the connection is encrypted with TLS.
    public var usesTLS: Bool {
        connection.map { PQsslInUse($0) != 0 } ?? false
    }

    /// The libpq socket, for `poll` (the listener waits on it).
    var socket: Int32 { connection.map { PQsocket($0) } ?? -1 }

    var raw: OpaquePointer? { connection }

    /// Runs `sql` with `$1, $2, ...` bound to `parameters`, as a prepared statement (parsed
    /// once per connection).
    @discardableResult
    public func query(_ sql: String, _ parameters: [PostgresValue] = []) throws -> PostgresRows {
        let conn = try open()
        let name: String
        if let known = prepared[sql] {
            name = known
        } else {
            name = "s\(prepared.count + 1)"
            let result = PQprepare(conn, name, sql, Int32(parameters.count), nil)
            try check(result, sql: sql)
            prepared[sql] = name
        }
        let result = PostgresConnection.withParameters(parameters) { values, lengths, formats in
            PQexecPrepared(conn, name, Int32(parameters.count), values, lengths, formats, 0)
        }
        return try check(result, sql: sql)
    }

    /// Like `query`, but planned anew for these `parameters` each time (libpq's unnamed
    /// statement), never cached: for a search whose best plan depends on its values (a `LIKE`
    /// pattern's trigrams), where a cached statement's generic plan scans every row.
    @discardableResult
    public func queryPlannedForItsValues(_ sql: String, _ parameters: [PostgresValue] = []) throws -> PostgresRows {
        let conn = try open()
        let result = PostgresConnection.withParameters(parameters) { values, lengths, formats in
            PQexecParams(conn, sql, Int32(parameters.count), nil, values, lengths, formats, 0)
        }
        return try check(result, sql: sql)
    }

    /// Runs one or more statements without parameters (migrations, LISTEN, BEGIN/COMMIT).
    @discardableResult
    public func execute(_ sql: String) throws -> PostgresRows {
        let conn = try open()
        return try check(PQexec(conn, sql), sql: sql)
    }

    /// Runs `body` in a transaction: COMMIT when it returns, ROLLBACK when it throws.
    @discardableResult
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body(self)
            try execute("COMMIT")
            return value
        } catch {
            if isOpen { _ = try? execute("ROLLBACK") }
            throw error
        }
    }

    /// `"name"` quoted as an SQL identifier.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    private func open() throws -> OpaquePointer {
        guard let connection else { throw PostgresError.connectionLost(server: url.redacted, message: "connection closed") }
        return connection
    }

    @discardableResult
    private func check(_ result: OpaquePointer?, sql: String) throws -> PostgresRows {
        guard let result else {
            throw lostOrStatement(sql: sql)
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresRows(result: result)
        default:
            let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) } ?? ""
            let primary = PQresultErrorField(result, Int32(UInt8(ascii: "M"))).map { String(cString: $0) }
            if !isOpen {
                prepared.removeAll()
                throw PostgresError.connectionLost(server: url.redacted, message: primary ?? message())
            }
            // A failed PREPARE leaves no statement; anything else keeps the cache valid.
            throw PostgresError.statement(sql: sql, sqlState: state, message: primary ?? message())
        }
    }

    private func lostOrStatement(sql: String) -> PostgresError {
        if !isOpen {
            prepared.removeAll()
            return .connectionLost(server: url.redacted, message: message())
        }
        return .statement(sql: sql, sqlState: "", message: message())
    }

    func message() -> String {
        connection.map { PostgresConnection.message($0) } ?? "connection closed"
    }

    static func message(_ conn: OpaquePointer) -> String {
        guard let text = PQerrorMessage(conn) else { return "unknown error" }
        var message = String(cString: text)
        while let last = message.last, last == "\n" || last == " " { message.removeLast() }
        return message.isEmpty ? "unknown error" : message.replacingAll("\n", with: "; ")
    }

    /// NUL-terminated copies of `strings`, with a NULL after the last (libpq's keyword arrays).
    static func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        let pointers = copies.map { UnsafePointer($0) } + [nil]
        return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// The three parallel arrays PQexecParams/PQexecPrepared take, alive during `body`.
    static func withParameters<R>(
        _ parameters: [PostgresValue],
        _ body: (UnsafePointer<UnsafePointer<CChar>?>?, UnsafePointer<Int32>?, UnsafePointer<Int32>?) -> R
    ) -> R {
        if parameters.isEmpty { return body(nil, nil, nil) }
        let wires = parameters.map(\.wire)
        var storage: [UInt8] = []
        var offsets: [Int] = []
        for wire in wires {
            offsets.append(storage.count)
            if let bytes = wire.bytes {
                storage.append(contentsOf: bytes)
                storage.append(0)
            }
        }
        let lengths = wires.map { Int32($0.bytes?.count ?? 0) }
        let formats = wires.map { Int32($0.binary ? 1 : 0) }
        return storage.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress)
            let values: [UnsafePointer<CChar>?] = zip(wires, offsets).map { wire, offset in
                guard wire.bytes != nil, let base else { return nil }
                return (base + offset).assumingMemoryBound(to: CChar.self)
            }
            return values.withUnsafeBufferPointer { valuePointers in
                lengths.withUnsafeBufferPointer { lengthPointers in
                    formats.withUnsafeBufferPointer { formatPointers in
                        body(valuePointers.baseAddress, lengthPointers.baseAddress, formatPointers.baseAddress)
                    }
                }
            }
        }
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(count)
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
    }
}

extension PostgresConnection {
    /// True outside any transaction (PQtransactionStatus = PQTRANS_IDLE).
    public var isIdle: Bool {
        guard let raw else { return false }
        return PQtransactionStatus(raw) == PQTRANS_IDLE
    }
}
