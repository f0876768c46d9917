import Glibc
import Logging
import Postgres

/// `InstanceBus` on LISTEN/NOTIFY. Messages go out through the store's writer (one `pg_notify`
/// in the next batch, delivered at its commit, in commit order); a message over NOTIFY's 8000
/// bytes is kept in `shetphone_bus` and goes by id. Each notification starts with the sending
/// instance's id, so an instance skips its own. Sessions: the session table notifies `+key` /
/// `-key` on `shetphone_sessions` in the transaction that saves or deletes the row.
final class PostgresBus: InstanceBus, @unchecked Sendable {
    static let eventChannel = "shetphone_events"
    static let sessionChannel = "shetphone_sessions"
    /// Large messages older than this (1 h) are deleted.
    static let keepLargeSeconds = 3600

    /// Random per process: tells this instance's notifications from the others'.
    let instance: String
    private let url: PostgresURL
    private let writer: PostgresStoreWriter
    private let pool: PostgresPool
    private let logger: Logger
    private var listener: PostgresListener?

    init(url: PostgresURL, writer: PostgresStoreWriter, pool: PostgresPool, logger: Logger) {
        self.url = url
        self.writer = writer
        self.pool = pool
        self.logger = logger
        var bytes = [UInt8](repeating: 0, count: 8)
        if getentropy(&bytes, bytes.count) != 0 { bytes = withUnsafeBytes(of: getpid()) { Array($0) } + [0, 0, 0, 0] }
        instance = bytes.map { String($0, radix: 16) }.joined()
    }

    static let migrations = """
        CREATE TABLE IF NOT EXISTS shetphone_bus (
            id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            payload text NOT NULL,
            created_at bigint NOT NULL
        )
        """

    func publish(_ message: String) {
        let line = instance + "\n" + message
        let queued = writer.write({ [instance] db in
            if line.utf8.count <= PostgresNotification.maxPayloadBytes {
                try db.notify(channel: PostgresBus.eventChannel, payload: line)
            } else {
                let now = Int(time(nil))
                let id = try db.query("INSERT INTO shetphone_bus (payload, created_at) VALUES ($1, $2) RETURNING id",
                                      [.text(message), .int(now)]).first?.int("id") ?? 0
                try db.query("DELETE FROM shetphone_bus WHERE created_at < $1", [.int(now - PostgresBus.keepLargeSeconds)])
                try db.notify(channel: PostgresBus.eventChannel, payload: instance + "\n@\(id)")
            }
        }, then: { [logger] (result: Result<Void, StoreError>) in
            if case let .failure(error) = result { logger.warning("bus: an event for other instances was lost: \(error)") }
        })
        if !queued { logger.warning("bus: the store's queue is full; an event for other instances was dropped") }
    }

    func start(onMessage: @escaping @Sendable (String) -> Void,
               onSession: @escaping @Sendable (_ key: String, StoredSession?) -> Void,
               onTouch: @escaping @Sendable (_ key: String, _ lastSeen: Int) -> Void,
               onResync: @escaping @Sendable () -> Void) {
        let instance = self.instance
        let pool = self.pool
        let logger = self.logger
        let listener = try? PostgresListener(
            url: url, channels: [PostgresBus.eventChannel, PostgresBus.sessionChannel],
            onNotification: { note in
                guard let newline = note.payload.firstIndex(of: "\n") else { return }
                let sender = note.payload[..<newline]
                let body = String(note.payload[note.payload.index(after: newline)...])
                guard sender != instance else { return }
                do {
                    if note.channel == PostgresBus.sessionChannel {
                        try PostgresBus.deliverSession(body, pool: pool, onSession, onTouch)
                    } else if body.hasPrefix("@"), let id = Int64(body.dropFirst()) {
                        let row = try pool.withConnection {
                            try $0.query("SELECT payload FROM shetphone_bus WHERE id = $1", [.int(id)]).first
                        }
                        if let payload = try row?.string("payload") { onMessage(payload) }
                    } else {
                        onMessage(body)
                    }
                } catch {
                    logger.warning("bus: could not read a message of another instance: \(error)")
                }
            },
            onListening: { resync in
                // Also the first time: what was committed before LISTEN took effect is read now.
                if resync {
                    logger.notice("bus: listening again after the database came back")
                    // The readers' idle connections went down with it: what onResync and the
                    // dialers' reloads read next must not fail on one of them.
                    pool.dropIdle()
                }
                onResync()
            },
            onError: { error in logger.warning("bus: \(error); listening again with backoff") })
        self.listener = listener
        listener?.start()
    }

    /// `+key`: the login was saved elsewhere (read it); `-key`: it ended; `~key ms`: it was
    /// used there at that time.
    static func deliverSession(_ body: String, pool: PostgresPool,
                               _ onSession: @Sendable (_ key: String, StoredSession?) -> Void,
                               _ onTouch: @Sendable (_ key: String, _ lastSeen: Int) -> Void) throws {
        let key = String(body.dropFirst())
        if body.hasPrefix("~") {
            let parts = key.split(separator: " ")
            if parts.count == 2, let at = Int(parts[1]) { onTouch(String(parts[0]), at) }
        } else if body.hasPrefix("-") {
            onSession(key, nil)
        } else if body.hasPrefix("+") {
            let row = try pool.withConnection {
                try $0.query("SELECT key, \"user\", csrf, created_at, last_seen FROM sessions WHERE key = $1", [.text(key)]).first
            }
            if let row { onSession(key, try PostgresSessionTable.make(row)) }
        }
    }

    func stop() {
        listener?.stop()
        listener = nil
    }
}
