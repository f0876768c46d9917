import Web

/// A live event for the open dialers in `rooms`, sent as the WebSocket text frame
/// `{"type": ..., "data": {...}}`: `call.status`, `call.incoming`, `intercom.grant`,
/// `intercom.opened`, `intercom.ringing`, `logout`, `hello`, `resync`.
public struct PhoneEvent: Sendable, Equatable {
    public let type: String
    public let data: JSON
    /// Where it goes (see `RoomName`), without repeats: a socket in several of them gets it once.
    public let rooms: [String]

    public init(_ type: String, _ data: JSON, rooms: [String]) {
        self.type = type
        self.data = data
        var seen = Set<String>()
        self.rooms = rooms.filter { seen.insert($0).inserted }
    }

    /// "Read your lists again" (call history, voicemail, texts): sent by an instance to its own
    /// dialers after its bus listens again, when events of other instances may have been missed.
    public static let resync = PhoneEvent("resync", .object([]), rooms: [RoomName.everyone])

    /// The wire form, encoded once for every subscriber.
    public var json: String { JSON.object([("type", .string(type)), ("data", data)]).text }
}

/// Where events go: the WebSocket rooms named by `RoomName`.
public protocol EventPublisher: AnyObject, Sendable {
    func publish(_ event: PhoneEvent)
}
