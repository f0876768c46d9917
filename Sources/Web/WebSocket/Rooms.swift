/// Named groups of WebSockets (`number:+44...`, `user:alice`) and publishing to them.
///
/// Join, leave and publish work from any thread. `publish` frames the message once (and
/// compresses it once per shared compression setting), then hands each subscriber loop the
/// room's own array of its sockets with one `execute`: no per-subscriber copy, allocation or
/// retain on the publishing side, and the loop walks a contiguous array (`RoomMembers`).
/// A socket leaves every room when it closes.
public final class Rooms: @unchecked Sendable {
    /// Guards every registry's rooms and every socket's memberships: a join, a leave and a
    /// socket closing change both sides together.
    static let lock = Mutex()
    private var rooms: [String: RoomMembers] = [:]

    /// Told how many sockets each publication reached (metrics).
    private let observer: (any ServerObserver)?

    public init(observer: (any ServerObserver)? = nil) {
        self.observer = observer
    }

    /// Adds `socket` to `room`. Returns false when the socket has already closed.
    @discardableResult
    public func join(_ room: String, _ socket: WebSocket) -> Bool {
        Rooms.lock.withLock {
            guard !socket.leftRooms else { return false }
            guard socket.membership(in: room, of: self) == nil else { return true }
            let members: RoomMembers
            if let existing = rooms[room] {
                members = existing
            } else {
                members = RoomMembers(name: room, registry: self)
                rooms[room] = members
            }
            socket.memberships.append(members.add(socket))
            return true
        }
    }

    public func leave(_ room: String, _ socket: WebSocket) {
        Rooms.lock.withLock {
            guard let index = socket.membership(in: room, of: self) else { return }
            remove(socket, membershipAt: index)
        }
    }

    /// Removes `socket` from every room of this registry.
    public func leaveAll(_ socket: WebSocket) {
        Rooms.lock.withLock {
            var index = socket.memberships.count - 1
            while index >= 0 {
                if socket.memberships[index].room.registry === self { remove(socket, membershipAt: index) }
                index -= 1
            }
        }
    }

    /// Called when a socket closes: it leaves every registry and can join none again.
    static func leaveAll(_ socket: WebSocket) {
        lock.withLock {
            socket.leftRooms = true
            while let membership = socket.memberships.last {
                if let registry = membership.room.registry {
                    registry.remove(socket, membershipAt: socket.memberships.count - 1)
                } else {
                    socket.memberships.removeLast()
                }
            }
            socket.memberships = []
        }
    }

    /// Takes `socket` out of the room of its membership at `index`; an empty room is forgotten. Under `lock`.
    private func remove(_ socket: WebSocket, membershipAt index: Int) {
        let membership = socket.memberships.remove(at: index)
        let room = membership.room
        room.remove(socket, membership)
        if room.count == 0 && rooms[room.name] === room { rooms[room.name] = nil }
        if socket.memberships.isEmpty { socket.memberships = [] }
    }

    /// The sockets in `room` now (for re-sorting them when the app's rooms change).
    public func sockets(in room: String) -> [WebSocket] {
        Rooms.lock.withLock { rooms[room]?.sockets ?? [] }
    }

    public func subscriberCount(_ room: String) -> Int {
        Rooms.lock.withLock { rooms[room]?.count ?? 0 }
    }

    /// The rooms `socket` is in, in the order it joined them.
    public func rooms(of socket: WebSocket) -> [String] {
        Rooms.lock.withLock {
            socket.memberships.compactMap { $0.room.registry === self ? $0.room.name : nil }
        }
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

    /// What one loop is handed: arrays of its sockets, each delivered in order.
    private struct LoopDelivery {
        let loop: EventLoop
        var lists: [[RoomMember]]

        /// On `loop`'s thread: each list in order.
        func deliver(_ broadcast: WebSocketBroadcast) {
            for members in lists { WebSocket.deliver(broadcast, to: members, on: loop.directSend) }
        }
    }

    private func publish(to names: [String], opcode: WebSocketOpcode, payload: [UInt8]) -> Int {
        var deliveries: [LoopDelivery] = []
        var compressions = Set<SharedCompression>()
        var count = 0
        Rooms.lock.withLock {
            // The biggest room goes as it is; a socket of a later room that is also in an
            // earlier one is left out of that room's list, so each socket gets the message once.
            var targets: [RoomMembers] = []
            for name in names {
                guard let room = rooms[name], room.count > 0, !targets.contains(where: { $0 === room }) else { continue }
                targets.append(room)
            }
            if targets.count > 1 { targets.sort { $0.count > $1.count } }
            for (position, room) in targets.enumerated() {
                for shared in room.compressions.keys { compressions.insert(shared) }
                let earlier = targets[..<position]
                for loopMembers in room.loops where !loopMembers.members.isEmpty {
                    let members = earlier.isEmpty ? loopMembers.members : loopMembers.members.filter { member in
                        !member.socket.memberships.contains { membership in earlier.contains { $0 === membership.room } }
                    }
                    guard !members.isEmpty else { continue }
                    count += members.count
                    if let index = deliveries.firstIndex(where: { $0.loop === loopMembers.loop }) {
                        deliveries[index].lists.append(members)
                    } else {
                        deliveries.append(LoopDelivery(loop: loopMembers.loop, lists: [members]))
                    }
                }
            }
        }
        observer?.messagePublished(recipients: count)
        guard count > 0 else { return 0 }
        // Framing and compression happen here, on the publishing thread, once.
        let broadcast = WebSocketBroadcast(opcode: opcode, payload: payload, compressions: compressions)
        // The other loops are woken first; the publisher's own loop (when it publishes from
        // one) then delivers at once, unless earlier work waits there (`runInOrder`).
        var own: LoopDelivery?
        for delivery in deliveries {
            if delivery.loop.inLoop {
                own = delivery
            } else {
                delivery.loop.execute { delivery.deliver(broadcast) }
            }
        }
        if let own { own.loop.runInOrder { own.deliver(broadcast) } }
        return count
    }
}
