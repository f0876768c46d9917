/// Something that happened to a call, for the browsers in `rooms`: published as the
/// WebSocket text frame `{"type":"call.status","data":{...}}`.
public struct CallEvent: Sendable, Equatable {
    /// `call.status` or `call.incoming`.
    public var type: String
    public var data: JSON
    /// `number:+E164` and `user:<name>` rooms, without repeats. A socket in several of them
    /// should get the event once.
    public var rooms: [String]

    public init(type: String, data: JSON, rooms: [String]) {
        self.type = type
        self.data = data
        var seen = Set<String>()
        self.rooms = rooms.filter { seen.insert($0).inserted }
    }

    /// The frame text, encoded once for every subscriber.
    public var frameText: String {
        JSON.object([("type", .string(type)), ("data", data)]).text
    }
}
