import Web

/// One Server-Sent Events connection (`GET /events`): the dialer's live events when a proxy
/// will not pass the WebSocket upgrade. It receives what the WebSocket would (the same JSON,
/// one `data:` line per event), a comment line as a heartbeat so proxies keep it open, and
/// nothing it sends is read. Its outbound queue is bounded: a reader that falls that far
/// behind is closed (the browser's EventSource reconnects and the dialer resyncs).
public final class EventStream: ConnectionHandler, @unchecked Sendable {
    public let user: String
    public let loop: EventLoop
    private let registry: EventStreams
    private let maxQueuedBytes: Int
    private let heartbeatMillis: Int
    /// Set once on the loop when the connection is handed over; used only on the loop.
    private var connection: Connection?
    private var closed = false
    /// Set under the registry's lock when the stream closes: it can join no room after that.
    var leftRooms = false

    /// What a heartbeat sends: an SSE comment, ignored by EventSource.
    static let heartbeat = Array(": keep-alive\n\n".utf8)

    init(user: String, loop: EventLoop, registry: EventStreams, maxQueuedBytes: Int, heartbeatMillis: Int) {
        self.user = user
        self.loop = loop
        self.registry = registry
        self.maxQueuedBytes = maxQueuedBytes
        self.heartbeatMillis = heartbeatMillis
    }

    /// The frame of one event: `data: {json}` and a blank line. JSON text has no raw newline.
    static func frame(_ json: String) -> [UInt8] {
        var bytes = Array("data: ".utf8)
        bytes.append(contentsOf: json.utf8)
        bytes.append(contentsOf: [0x0A, 0x0A])
        return bytes
    }

    /// On the loop: the response head is out; the stream starts.
    func attach(_ connection: Connection, first: [UInt8]) {
        self.connection = connection
        // A retry hint for EventSource, then the hello event.
        connection.write(Array("retry: 3000\n\n".utf8) + first)
        connection.setDeadline(afterMillis: heartbeatMillis)
    }

    /// From any thread: queues an already framed event.
    func send(_ frame: [UInt8]) {
        loop.execute { [self] in deliver(frame) }
    }

    /// On the loop: writes an already framed event, or closes a stream too far behind.
    func deliver(_ frame: [UInt8]) {
        guard let connection, connection.isOpen, !closed else { return }
        guard connection.queuedBytes + frame.count <= maxQueuedBytes else {
            // Too far behind: better a reconnect and a resync than unbounded memory.
            close(connection)
            return
        }
        connection.write(frame)
    }

    private func close(_ connection: Connection) {
        closed = true
        registry.leaveAll(self)
        connection.close()
    }

    // MARK: ConnectionHandler

    public func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        // An EventSource sends nothing after its request; whatever comes is dropped.
    }

    public func connectionDeadlinePassed(_ connection: Connection) {
        guard !closed else { return }
        if connection.queuedBytes + EventStream.heartbeat.count > maxQueuedBytes {
            close(connection)
            return
        }
        connection.write(EventStream.heartbeat)
        connection.setDeadline(afterMillis: heartbeatMillis)
    }

    public func connectionReadEnded(_ connection: Connection) { close(connection) }

    public func connectionDidClose(_ connection: Connection) {
        closed = true
        registry.leaveAll(self)
    }

    public func connectionServerIsStopping(_ connection: Connection) {
        closed = true
        registry.leaveAll(self)
        connection.closeAfterFlush()
    }
}
