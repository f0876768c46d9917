import Web

/// Publishes phone events to the rooms of WebSockets and of Server-Sent Events streams: the
/// JSON is written once and framed once per kind.
public final class RoomEventPublisher: EventPublisher, @unchecked Sendable {
    let rooms: Rooms
    let streams: EventStreams
    init(rooms: Rooms, streams: EventStreams = EventStreams()) {
        self.rooms = rooms
        self.streams = streams
    }

    public func publish(_ event: PhoneEvent) {
        // Most webhooks reach nobody (no dialer open): skip writing the JSON at all then.
        let toSockets = event.rooms.contains(where: { rooms.subscriberCount($0) > 0 })
        let toStreams = event.rooms.contains(where: { streams.subscriberCount($0) > 0 })
        guard toSockets || toStreams else { return }
        let json = event.json
        if toSockets { rooms.publish(to: event.rooms, text: json) }
        if toStreams { streams.publish(to: event.rooms, json: json) }
    }
}
