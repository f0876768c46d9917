import CLinux
import Glibc

/// One open WebSocket: the `ConnectionHandler` that speaks RFC 6455 on a connection after its
/// upgrade, and the object the application sends through and hears from.
///
/// Everything happens on the connection's loop. `send`, `ping` and `close` may be called from
/// any thread (they hop to the loop); the callbacks and `userInfo` belong to the loop thread.
/// An idle socket holds no buffers and no reader: the message reader exists only while a message
/// is partly received (or an inflater context is kept), the compression state only when
/// permessage-deflate was agreed, and zlib streams only while a compressed message is in
/// flight, unless context takeover keeps them.
public final class WebSocket: ConnectionHandler, @unchecked Sendable {
    /// Unique for the life of the process.
    public let id: UInt64
    public let loop: EventLoop
    /// The negotiated permessage-deflate, if any.
    public var deflate: PerMessageDeflate? { compression?.agreed }
    /// The negotiated `Sec-WebSocket-Protocol`, if any.
    public let subprotocol: String?
    /// Free for the application (user name, session...). Loop thread only.
    public var userInfo: [String: any Sendable]

    /// A whole text message arrived.
    public var onText: ((WebSocket, String) -> Void)?
    /// A whole binary message arrived.
    public var onBinary: ((WebSocket, [UInt8]) -> Void)?
    /// The connection is gone; called once with the code the peer sent, the code we failed the
    /// connection with, 1005 for a close frame without a code, or 1006 when it just dropped.
    public var onClose: ((WebSocket, WebSocketCloseCode, String) -> Void)?

    private enum State {
        case open
        /// Our close frame is out; waiting for the peer's, until the close timeout.
        case closing
        case closed
    }

    private var connection: Connection?
    /// The reader of a message in progress; nil between messages (see `canStartOver`).
    private var inbound: WebSocketInbound?
    /// Set only when permessage-deflate was agreed.
    private let compression: WebSocketCompression?
    private var lastReadMillis: UInt64 = 0
    /// The close reason's UTF-8, kept as bytes: an empty array is 8 bytes and allocates nothing,
    /// which keeps every socket one malloc size class smaller than a `String` would.
    private var closeReason: [UInt8] = []
    /// The rooms this socket is in, in the order it joined them, with its slot in each;
    /// guarded by `Rooms.lock`.
    var memberships: [RoomMembership] = []
    /// The connection's descriptor and its slot in the loop's `DirectSendTable`, for rooms.
    let fd: Int32
    let directSendSlot: Int32
    // The small fields together, so they share one word.
    private var state = State.open {
        didSet { if state != .open { connection?.clearReadyToSend() } }
    }
    private var awaitingPong = false
    private var pausedForBackpressure = false
    private var readerFailed = false
    var leftRooms = false
    private var closeCode = WebSocketCloseCode.abnormalClosure

    private static let idLock = Mutex()
    private static var nextID: UInt64 = 0

    init(connection: Connection, deflate: PerMessageDeflate?, compression: PerMessageDeflate.Configuration?,
         subprotocol: String?, userInfo: [String: any Sendable]) {
        id = WebSocket.idLock.withLock {
            WebSocket.nextID += 1
            return WebSocket.nextID
        }
        self.connection = connection
        loop = connection.loop
        fd = connection.fd
        directSendSlot = connection.takeDirectSendSlot()
        connection.server?.observer?.webSocketOpened()
        self.subprotocol = subprotocol
        self.userInfo = userInfo
        if let deflate, let compression {
            self.compression = WebSocketCompression(agreed: deflate, configuration: compression)
        } else {
            self.compression = nil
        }
    }

    /// Set when this socket's compressed broadcast frames are interchangeable with others'.
    var sharedCompression: SharedCompression? { compression?.shared }

    /// True while rooms may `send` to this socket directly (open, nothing queued). Loop thread only.
    var sendsDirectly: Bool {
        connection != nil && loop.directSend.isReady(directSendSlot, DirectSendTable.key(of: self))
    }

    /// True while a message is partly received (or an inflater context is kept). Loop thread only.
    var holdsReader: Bool { inbound != nil }

    /// True until a close frame has been sent or received, or the connection dropped. Loop thread only.
    public var isOpen: Bool { state == .open }

    /// Starts the heartbeat and reading; called once the 101 head is queued.
    func start() {
        guard let connection else { return }
        guard connection.isOpen else {
            // It failed while `onOpen` wrote to it, before this handler was installed.
            connectionDidClose(connection)
            return
        }
        lastReadMillis = monotonicMillis()
        // Rooms may send to it directly from now on, while nothing is queued.
        connection.markReadyToSend(key: DirectSendTable.key(of: self))
        // The HTTP handler stops touching the connection once it has handed it over, so this
        // deadline stays ours.
        armHeartbeat(connection)
        // The HTTP handler may have paused reading while the upgrade request was in flight.
        connection.resumeReading()
    }

    // MARK: Sending (any thread)

    public func send(text: String) {
        onLoop { socket in
            var text = text
            text.withUTF8 { socket.sendMessage(.text, UnsafeRawBufferPointer($0)) }
        }
    }

    public func send(binary: [UInt8]) {
        onLoop { socket in
            binary.withUnsafeBytes { socket.sendMessage(.binary, $0) }
        }
    }

    /// Sends a frame prepared once for many sockets (see `Rooms.publish`).
    public func send(_ broadcast: WebSocketBroadcast) {
        onLoop { socket in socket.deliver(broadcast) }
    }

    /// Queues a broadcast frame; loop thread.
    func deliver(_ broadcast: WebSocketBroadcast) {
        guard state == .open else { return }
        enqueue(broadcast.frame(for: sharedCompression))
    }

    /// Hands `broadcast` to each of `members`, on their loop (`table` is its `directSend`).
    /// When every socket gets the plain frame, a member whose slot says it is open with nothing
    /// queued gets one `send` straight from the shared bytes, read from the array and the table
    /// alone (the floor's cost); any other goes through `deliver(_:)`. The array keeps every
    /// socket alive for the whole walk, so none is retained or released per member.
    static func deliver(_ broadcast: WebSocketBroadcast, to members: [RoomMember], on table: DirectSendTable) {
        members.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: RoomMember.Borrowed.self) { members in
                guard broadcast.isPlainOnly else {
                    for member in members { member.socket._withUnsafeGuaranteedRef { $0.deliver(broadcast) } }
                    return
                }
                let frame = broadcast.frame
                frame.withUnsafeBytes { bytes in
                    for member in members {
                        let key = UInt(bitPattern: member.socket.toOpaque())
                        if table.isReady(member.slot, key) {
                            let written = Glibc.send(member.fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL))
                            if written == bytes.count { continue }
                            let error = written < 0 ? errno : 0
                            member.socket._withUnsafeGuaranteedRef {
                                $0.queueUnsent(frame, afterSending: written, error: error)
                            }
                        } else {
                            member.socket._withUnsafeGuaranteedRef { $0.deliver(broadcast) }
                        }
                    }
                }
            }
        }
    }

    /// A direct `send` of a shared frame did not take all of it: the rest is queued (an empty
    /// queue takes any frame, as `enqueue` does). Loop thread.
    private func queueUnsent(_ frame: [UInt8], afterSending written: Int, error: Int32) {
        connection?.queueUnsent(frame, afterSending: written, error: error)
    }

    /// The index in `memberships` of this socket's membership in `room` of `registry`. Under `Rooms.lock`.
    func membership(in room: String, of registry: Rooms) -> Int? {
        memberships.firstIndex { $0.room.registry === registry && $0.room.name == room }
    }

    /// `room` moved this socket to another slot (a member before it left). Under `Rooms.lock`.
    func moveMembership(in room: RoomMembers, toSlot slot: Int) {
        guard let index = memberships.firstIndex(where: { $0.room === room }) else { return }
        memberships[index].slot = slot
    }

    public func ping(_ payload: [UInt8] = []) {
        onLoop { socket in
            guard socket.state == .open else { return }
            socket.enqueue(WebSocketFrameEncoder.encode(opcode: .ping, payload: payload.prefix(125)))
        }
    }

    /// Starts the closing handshake: our close frame now, the TCP close when the peer answers
    /// or `Limits.webSocketCloseTimeoutMillis` later.
    public func close(code: WebSocketCloseCode = .normalClosure, reason: String = "") {
        onLoop { socket in socket.startClosing(code, reason) }
    }

    private func onLoop(_ body: @escaping (WebSocket) -> Void) {
        if loop.inLoop {
            body(self)
        } else {
            loop.execute { body(self) }
        }
    }

    private func sendMessage(_ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer) {
        guard state == .open else { return }
        if let frame = compression?.frame(opcode, payload) {
            enqueue(frame)
        } else {
            enqueue(WebSocketFrameEncoder.encode(opcode: opcode, payload: payload))
        }
    }

    /// Queues a frame, unless this peer has stopped reading: past `maxWebSocketOutboundBytes`
    /// of backlog it is closed (1008) instead of slowing anyone else down or growing the heap.
    /// A frame is always accepted into an empty queue, so one big message is never refused.
    private func enqueue(_ frame: [UInt8]) {
        guard let connection, connection.isOpen else { return }
        let queued = connection.queuedBytes
        if queued > 0 {
            let limit = connection.limits.maxWebSocketOutboundBytes
            if queued + frame.count > limit {
                fail(WebSocketError(.policyViolation, "peer is not reading: \(queued) bytes already queued, limit \(limit)"))
                return
            }
        }
        connection.write(frame)
    }

    // MARK: Closing

    private func startClosing(_ code: WebSocketCloseCode, _ reason: String) {
        guard state == .open, let connection else { return }
        // 1005, 1006 and the like are for reporting, never for the wire.
        let code = code.isValidOnWire ? code : .normalClosure
        state = .closing
        closeCode = code
        closeReason = Array(reason.utf8)
        connection.write(WebSocketFrameEncoder.close(code: code, reason: reason))
        connection.setDeadline(afterMillis: connection.limits.webSocketCloseTimeoutMillis)
    }

    /// _Fail the WebSocket Connection_ (RFC 6455 7.1.7): send a close frame with the code and
    /// stop reading frames. The TCP close follows the flush, after a short drain so the
    /// peer reads our close frame rather than a reset.
    private func fail(_ error: WebSocketError) {
        guard let connection else { return }
        if state == .open {
            closeCode = error.code
            closeReason = Array(error.reason.utf8)
            // Skip the size check: a close frame is tiny and this is the last thing we send.
            connection.write(WebSocketFrameEncoder.close(code: error.code, reason: error.reason))
        }
        state = .closing
        closeAfterFlush(connection)
    }

    /// Closes once our last frames are out; a peer that never reads them is cut off after the
    /// close timeout instead of holding the connection open forever.
    private func closeAfterFlush(_ connection: Connection) {
        connection.setDeadline(afterMillis: connection.limits.webSocketCloseTimeoutMillis)
        connection.closeAfterFlush()
    }

    // MARK: ConnectionHandler

    public func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        lastReadMillis = monotonicMillis()
        awaitingPong = false
        // After a framing error nothing more can be parsed; our close frame is on its way.
        guard !readerFailed else { return }
        let reading = inbound ?? WebSocketInbound(maxMessageBytes: connection.limits.maxWebSocketMessageBytes,
                                                  deflate: compression?.agreed)
        inbound = reading
        var input = bytes
        while !input.isEmpty && state != .closed && connection.isOpen {
            let message: WebSocketMessage?
            do {
                message = try reading.reader.next(&input)
            } catch {
                readerFailed = true
                if state == .open {
                    fail(error as? WebSocketError ?? WebSocketError(.internalError, "\(error)"))
                } else {
                    // Already closing and waiting for the peer's close frame: stop waiting.
                    connection.close()
                }
                return
            }
            guard let message else { break }
            handle(message, connection)
        }
        // Between messages the socket keeps no reader (a callback may have closed it meanwhile).
        if inbound === reading && reading.reader.canStartOver { inbound = nil }
        // A peer that sends faster than it reads (an echo client, say) is slowed by TCP instead.
        if state == .open && connection.isOpen && connection.queuedBytes > connection.limits.maxWebSocketOutboundBytes / 2 {
            pausedForBackpressure = true
            connection.pauseReading()
        }
    }

    private func handle(_ message: WebSocketMessage, _ connection: Connection) {
        switch message {
        case .text(let text):
            if state == .open { onText?(self, text) }
        case .binary(let bytes):
            if state == .open { onBinary?(self, bytes) }
        case .ping(let payload):
            if state == .open { enqueue(WebSocketFrameEncoder.encode(opcode: .pong, payload: payload)) }
        case .pong:
            break
        case .close(let code, let reason):
            if state == .open {
                // Echo the peer's code (1000 when it sent none), then close TCP: the server
                // closes first (RFC 6455 7.1.1).
                closeCode = code ?? .noStatusReceived
                closeReason = Array(reason.utf8)
                connection.write(WebSocketFrameEncoder.close(code: code ?? .normalClosure))
            }
            state = .closing
            closeAfterFlush(connection)
        }
    }

    public func connectionDidDrain(_ connection: Connection) {
        if state == .open { connection.markReadyToSend(key: DirectSendTable.key(of: self)) }
        if pausedForBackpressure {
            pausedForBackpressure = false
            connection.resumeReading()
        }
    }

    public func connectionDeadlinePassed(_ connection: Connection) {
        switch state {
        case .closing, .closed:
            // The peer never answered our close frame.
            connection.close()
        case .open:
            heartbeat(connection)
        }
    }

    public func connectionReadEnded(_ connection: Connection) {
        connection.close()
    }

    public func connectionServerIsStopping(_ connection: Connection) {
        if state == .open {
            startClosing(.goingAway, "server is shutting down")
        }
    }

    public func connectionDidClose(_ connection: Connection) {
        guard self.connection != nil else { return }
        state = .closed
        self.connection = nil
        compression?.release()
        inbound = nil
        Rooms.leaveAll(self)
        connection.server?.observer?.webSocketClosed()
        let callback = onClose
        onClose = nil
        onText = nil
        onBinary = nil
        callback?(self, closeCode, String(decoding: closeReason, as: UTF8.self))
    }

    // MARK: Heartbeat

    /// Idle peers get a ping after `webSocketPingIntervalMillis` without a byte from them, and
    /// are dropped when another interval passes in silence. Any byte counts as an answer.
    private func heartbeat(_ connection: Connection) {
        let interval = UInt64(connection.limits.webSocketPingIntervalMillis)
        guard interval > 0 else { return }
        let now = monotonicMillis()
        let silent = now &- lastReadMillis
        if silent < interval {
            connection.setDeadline(afterMillis: Int(interval - silent))
            return
        }
        if awaitingPong {
            closeCode = .abnormalClosure
            closeReason = Array("no answer to ping within \(interval) ms".utf8)
            connection.close()
            return
        }
        awaitingPong = true
        connection.write(WebSocketFrameEncoder.encode(opcode: .ping, payload: [UInt8]()))
        // Measured from now: the reply has a whole interval to come.
        lastReadMillis = now
        connection.setDeadline(afterMillis: Int(interval))
    }

    private func armHeartbeat(_ connection: Connection) {
        let interval = connection.limits.webSocketPingIntervalMillis
        if interval > 0 {
            connection.setDeadline(afterMillis: interval)
        } else {
            connection.clearDeadline()
        }
    }
}
