/// Named groups of WebSockets (`number:+44...`, `user:alice`) and publishing to them.
///
/// Join, leave and publish work from any thread. `publish` frames the message once (and
/// compresses it once per shared compression setting), then hands the same bytes to each
/// subscriber's own loop with one `execute` per loop, never one per socket. A socket leaves
/// every room when it closes.
public final class Rooms: @unchecked Sendable {
    private let lock = Mutex()
    private var members: [String: [ObjectIdentifier: WebSocket]] = [:]
    private var roomsBySocket: [ObjectIdentifier: [String]] = [:]

    /// Orders joins against a socket closing, across all `Rooms` (taken before `lock`).
    static let membershipLock = Mutex()

    /// Told how many sockets each publication reached (metrics).
    private let observer: (any ServerObserver)?

    public init(observer: (any ServerObserver)? = nil) {
        self.observer = observer
    }

    /// Adds `socket` to `room`. Returns false when the socket has already closed.
    @discardableResult
    public func join(_ room: String, _ socket: WebSocket) -> Bool {
        Rooms.membershipLock.lock()
        defer { Rooms.membershipLock.unlock() }
        guard !socket.leftRooms else { return false }
        if !socket.memberships.contains(where: { $0 === self }) { socket.memberships.append(self) }
        let id = ObjectIdentifier(socket)
        lock.withLock {
            if members[room, default: [:]].updateValue(socket, forKey: id) == nil {
                roomsBySocket[id, default: []].append(room)
            }
        }
        return true
    }

    public func leave(_ room: String, _ socket: WebSocket) {
        let id = ObjectIdentifier(socket)
        lock.withLock {
            guard members[room]?.removeValue(forKey: id) != nil else { return }
            if members[room]?.isEmpty == true { members[room] = nil }
            roomsBySocket[id]?.removeAll { $0 == room }
            if roomsBySocket[id]?.isEmpty == true { roomsBySocket[id] = nil }
        }
    }

    /// Removes `socket` from every room of this registry.
    public func leaveAll(_ socket: WebSocket) {
        let id = ObjectIdentifier(socket)
        lock.withLock {
            for room in roomsBySocket.removeValue(forKey: id) ?? [] {
                members[room]?.removeValue(forKey: id)
                if members[room]?.isEmpty == true { members[room] = nil }
            }
        }
    }

    /// Called when a socket closes: it leaves every registry and can join none again.
    static func leaveAll(_ socket: WebSocket) {
        membershipLock.lock()
        socket.leftRooms = true
        let registries = socket.memberships
        socket.memberships = []
        membershipLock.unlock()
        for rooms in registries { rooms.leaveAll(socket) }
    }

    /// The sockets in `room` now (for re-sorting them when the app's rooms change).
    public func sockets(in room: String) -> [WebSocket] {
        lock.withLock { members[room].map { Array($0.values) } ?? [] }
    }

    public func subscriberCount(_ room: String) -> Int {
        lock.withLock { members[room]?.count ?? 0 }
    }

    /// The rooms `socket` is in, in the order it joined them.
    public func rooms(of socket: WebSocket) -> [String] {
        lock.withLock { roomsBySocket[ObjectIdentifier(socket)] ?? [] }
    }

    /// Sends a text message to everyone in `room`; returns how many sockets it went to.
    @discardableResult
    public func publish(_ room: String, text: String) -> Int {
        publish(to: [room], opcode: .text, payload: Array(text.utf8))
    }

    @discardableResult
    public func publish(_ room: String, binary: [UInt8]) -> Int {
        publish(to: [room], opcode: .binary, payload: binary)
    }

    /// Sends to everyone in any of `rooms`, once per socket even if it is in several.
    @discardableResult
    public func publish(to rooms: [String], text: String) -> Int {
        publish(to: rooms, opcode: .text, payload: Array(text.utf8))
    }

    private func publish(to rooms: [String], opcode: WebSocketOpcode, payload: [UInt8]) -> Int {
        // Subscribers grouped by loop; loops are few, so a short array beats a dictionary.
        var groups: [(loop: EventLoop, sockets: [WebSocket])] = []
        var compressions = Set<SharedCompression>()
        var seen = Set<ObjectIdentifier>()
        var count = 0
        lock.withLock {
            for room in rooms {
                guard let sockets = members[room] else { continue }
                for (id, socket) in sockets {
                    if rooms.count > 1 && !seen.insert(id).inserted { continue }
                    count += 1
                    if let shared = socket.sharedCompression { compressions.insert(shared) }
                    if let index = groups.firstIndex(where: { $0.loop === socket.loop }) {
                        groups[index].sockets.append(socket)
                    } else {
                        groups.append((socket.loop, [socket]))
                    }
                }
            }
        }
        observer?.messagePublished(recipients: count)
        guard count > 0 else { return 0 }
        // Framing and compression happen here, on the publishing thread, once.
        let broadcast = WebSocketBroadcast(opcode: opcode, payload: payload, compressions: compressions)
        for group in groups {
            let sockets = group.sockets
            group.loop.execute {
                for socket in sockets { socket.deliver(broadcast) }
            }
        }
        return count
    }
}
