import Store
import Web

/// Publishes phone events to the rooms of WebSockets and of Server-Sent Events streams: the
/// JSON is written once and framed once per kind. With a `bus` (several instances on PostgreSQL)
/// every event also goes to the other instances, which deliver it to their own subscribers; each
/// instance delivers an event once, its own at once and the others' from the bus (which never
/// hands an instance its own messages back).
public final class RoomEventPublisher: EventPublisher, @unchecked Sendable {
    let rooms: Rooms
    let streams: EventStreams
    /// Set once before serving.
    var bus: InstanceBus?
    init(rooms: Rooms, streams: EventStreams = EventStreams()) {
        self.rooms = rooms
        self.streams = streams
    }
    /// Also told of every event (the notice queue turns some into hooks and emails); set once at start.
    var onPublish: ((PhoneEvent) -> Void)?

    public func publish(_ event: PhoneEvent) {
        // Only the instance that published queues notices for it (never a bus copy): once per event.
        onPublish?(event)
        bus?.publish(RoomEventPublisher.busMessage(rooms: event.rooms, json: event.json))
        deliverHere(to: event.rooms) { event.json }
    }

    /// To this instance's subscribers of `names`. Most webhooks reach nobody (no dialer open):
    /// the JSON is not even written then.
    private func deliverHere(to names: [String], _ json: () -> String) {
        let toSockets = names.contains(where: { rooms.subscriberCount($0) > 0 })
        let toStreams = names.contains(where: { streams.subscriberCount($0) > 0 })
        guard toSockets || toStreams else { return }
        let text = json()
        if toSockets { rooms.publish(to: names, text: text) }
        if toStreams { streams.publish(to: names, json: text) }
    }

    /// An event another instance published, to this instance's subscribers.
    func deliver(busMessage: String) {
        guard let (names, json) = RoomEventPublisher.parse(busMessage) else { return }
        deliverHere(to: names) { json }
    }

    /// Tells every dialer of this instance (not the others) to read again from the store: the bus
    /// started listening (again), and what other instances committed while it did not came with no
    /// message. Called after LISTEN is in force, so each event is either heard or read.
    func askToResync() {
        deliverHere(to: [RoomName.everyone]) { PhoneEvent.resync.json }
    }

    /// `2\nnumber:+44...\nuser:alice\n{"type":...}`: the room count, the rooms (a room name
    /// never holds a line break), then the event's JSON.
    static func busMessage(rooms: [String], json: String) -> String {
        "\(rooms.count)\n" + rooms.map { $0 + "\n" }.joined() + json
    }

    static func parse(_ message: String) -> (rooms: [String], json: String)? {
        var lines = message.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
        guard lines.count == 2, let count = Int(lines[0]), count >= 0, count <= 64 else { return nil }
        var rest = lines[1]
        var names: [String] = []
        for _ in 0..<count {
            lines = rest.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false)
            guard lines.count == 2 else { return nil }
            names.append(String(lines[0]))
            rest = lines[1]
        }
        return (names, String(rest))
    }
}
