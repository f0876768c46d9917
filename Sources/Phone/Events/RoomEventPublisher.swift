import Web

/// Publishes phone events to WebSocket rooms: the JSON is framed once and shared.
public final class RoomEventPublisher: EventPublisher, @unchecked Sendable {
    let rooms: Rooms
    init(rooms: Rooms) { self.rooms = rooms }

    public func publish(_ event: PhoneEvent) {
        // Most webhooks reach nobody (no dialer open): skip writing the JSON at all then.
        guard event.rooms.contains(where: { rooms.subscriberCount($0) > 0 }) else { return }
        rooms.publish(to: event.rooms, text: event.json)
    }
}
