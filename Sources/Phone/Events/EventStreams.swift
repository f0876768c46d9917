import Web

/// The open Server-Sent Events streams by room, beside `Rooms` (which holds WebSockets): the
/// same room names, so one publish reaches a dialer whichever way it listens. The event is
/// framed once and the same bytes go to every stream.
public final class EventStreams: @unchecked Sendable {
    private let lock = Mutex()
    private var members: [String: [ObjectIdentifier: EventStream]] = [:]
    private var roomsByStream: [ObjectIdentifier: [String]] = [:]

    public init() {}

    public func join(_ room: String, _ stream: EventStream) {
        let id = ObjectIdentifier(stream)
        lock.withLock {
            guard !stream.leftRooms else { return }
            if members[room, default: [:]].updateValue(stream, forKey: id) == nil {
                roomsByStream[id, default: []].append(room)
            }
        }
    }

    /// A closed stream leaves every room.
    func leaveAll(_ stream: EventStream) {
        let id = ObjectIdentifier(stream)
        lock.withLock {
            stream.leftRooms = true
            for room in roomsByStream.removeValue(forKey: id) ?? [] {
                members[room]?.removeValue(forKey: id)
                if members[room]?.isEmpty == true { members[room] = nil }
            }
        }
    }

    public func subscriberCount(_ room: String) -> Int {
        lock.withLock { members[room]?.count ?? 0 }
    }

    public func streams(in room: String) -> [EventStream] {
        lock.withLock { members[room].map { Array($0.values) } ?? [] }
    }

    public func rooms(of stream: EventStream) -> [String] {
        lock.withLock { roomsByStream[ObjectIdentifier(stream)] ?? [] }
    }

    public func leave(_ room: String, _ stream: EventStream) {
        let id = ObjectIdentifier(stream)
        lock.withLock {
            guard members[room]?.removeValue(forKey: id) != nil else { return }
            if members[room]?.isEmpty == true { members[room] = nil }
            roomsByStream[id]?.removeAll { $0 == room }
        }
    }

    /// Sends `json` to every stream in any of `rooms`, once per stream; returns how many.
    @discardableResult
    public func publish(to rooms: [String], json: String) -> Int {
        var seen = Set<ObjectIdentifier>()
        var targets: [EventStream] = []
        lock.withLock {
            for room in rooms {
                for (id, stream) in members[room] ?? [:] where seen.insert(id).inserted { targets.append(stream) }
            }
        }
        guard !targets.isEmpty else { return 0 }
        let frame = EventStream.frame(json)
        // One `execute` per loop with its streams, not one per stream.
        var byLoop: [(loop: EventLoop, streams: [EventStream])] = []
        for stream in targets {
            if let index = byLoop.firstIndex(where: { $0.loop === stream.loop }) {
                byLoop[index].streams.append(stream)
            } else {
                byLoop.append((stream.loop, [stream]))
            }
        }
        for (loop, streams) in byLoop {
            loop.execute {
                for stream in streams { stream.deliver(frame) }
            }
        }
        return targets.count
    }
}
