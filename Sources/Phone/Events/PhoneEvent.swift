import Web

/// A live event for the open dialers, sent as a WebSocket text frame `{"type": ..., "data": {...}}`.
public struct PhoneEvent: Sendable, Equatable {
    /// `call.status`, `call.incoming`, `intercom.grant`, `intercom.opened`, `logout`, `hello`.
    public let type: String
    public let data: JSON

    public init(_ type: String, _ data: JSON) {
        self.type = type
        self.data = data
    }

    /// The wire form.
    public var json: String { JSON.object([("type", .string(type)), ("data", data)]).text }
}

/// Where events go: the WebSocket rooms (`number:+44...`, `user:alice`, `session:...`, `intercom`).
public protocol EventPublisher: AnyObject, Sendable {
    func publish(_ event: PhoneEvent, to rooms: [String])
}

/// Room names, in one place so publishers and subscribers agree.
public enum RoomName {
    public static func number(_ e164: String) -> String { "number:" + e164 }
    public static func user(_ name: String) -> String { "user:" + name }
    public static func session(_ key: String) -> String { "session:" + key }
    /// Every logged-in dialer (intercom events go to everyone).
    public static let everyone = "dialers"
}

/// Keeps events in memory; for tests and for `check-config`.
public final class RecordingEventPublisher: EventPublisher, @unchecked Sendable {
    private let lock = Mutex()
    private var recorded: [(PhoneEvent, [String])] = []

    public init() {}

    public func publish(_ event: PhoneEvent, to rooms: [String]) {
        lock.withLock { recorded.append((event, rooms)) }
    }

    public var events: [(event: PhoneEvent, rooms: [String])] { lock.withLock { recorded.map { ($0.0, $0.1) } } }
}
