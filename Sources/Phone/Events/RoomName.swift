/// The names of the WebSocket rooms a dialer joins and events are published to; every
/// room name is made here, so publishers and subscribers agree:
/// `number:+E164` (the users of one of our numbers), `user:<name>`, `session:<key>`
/// (one login), and `dialers` (every logged-in dialer: intercom events go there).
public enum RoomName {
    static let numberPrefix = "number:"

    public static func number(_ e164: String) -> String { numberPrefix + e164 }
    public static func user(_ name: String) -> String { "user:" + name }
    public static func session(_ key: String) -> String { "session:" + key }
    /// Every logged-in dialer.
    public static let everyone = "dialers"

    /// True for a `number:` room.
    public static func isNumber(_ room: String) -> Bool { room.hasPrefix(numberPrefix) }
}
