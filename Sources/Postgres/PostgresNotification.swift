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
        if heldNotifications != nil {
            heldNotifications?.append((channel, payload))
            return
        }
        try query("SELECT pg_notify($1, $2)", [.text(channel), .text(payload)])
    }

    /// From now on `notify` holds notifications (no round trip each) until `sendHeldNotifications`
    /// sends them all in one statement: a writer batch of many jobs pays one round trip for them.
    public func holdNotifications() {
        heldNotifications = []
    }

    /// How many notifications are held (a job's savepoint rolled back drops those it added).
    public var heldNotificationCount: Int { heldNotifications?.count ?? 0 }

    /// Forgets the notifications held after the first `count` (a job rolled back).
    public func dropHeldNotifications(after count: Int) {
        guard let held = heldNotifications, held.count > count else { return }
        heldNotifications = Array(held.prefix(count))
    }

    /// Sends the held notifications in order, in one statement, and stops holding them.
    public func sendHeldNotifications() throws {
        guard let held = heldNotifications else { return }
        heldNotifications = nil
        guard !held.isEmpty else { return }
        // A function scan yields the array's rows in order, so pg_notify runs in the order sent.
        try query("SELECT count(pg_notify(n.channel, n.payload)) AS n FROM unnest($1::text[], $2::text[]) AS n(channel, payload)",
                  [.array(held.map(\.channel)), .array(held.map(\.payload))])
    }

    /// Stops holding notifications and forgets those held (the transaction rolled back).
    public func forgetHeldNotifications() {
        heldNotifications = nil
    }
}
