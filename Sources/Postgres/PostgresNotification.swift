/// One NOTIFY as a listener received it.
public struct PostgresNotification: Equatable, Sendable {
    public let channel: String
    public let payload: String
    /// The server process of the session that sent it.
    public let senderPID: Int32

    public init(channel: String, payload: String, senderPID: Int32) {
        self.channel = channel
        self.payload = payload
        self.senderPID = senderPID
    }

    /// NOTIFY refuses payloads of 8000 bytes or more; larger events go by reference.
    public static let maxPayloadBytes = 7_999

    /// Whether `name` can be a channel: LISTEN takes an identifier, and only these are used unquoted-safe.
    public static func isValidChannel(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 63 && name.utf8.allSatisfy {
            ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "z")) || ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9"))
                || $0 == UInt8(ascii: "_")
        }
    }
}

extension PostgresConnection {
    /// Sends `payload` on `channel` (pg_notify): delivered to listeners when the transaction commits.
    public func notify(channel: String, payload: String) throws {
        guard PostgresNotification.isValidChannel(channel) else { throw PostgresError.badChannel(channel) }
        try query("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)])
    }
}
