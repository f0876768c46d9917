/// What the intercom webhook tells Twilio, and what was decided (for the log and the tests).
public struct IntercomAnswer: Sendable, Equatable {
    public var twiml: TwiML
    public var outcome: IntercomOutcome
    /// What the call history records about the door (`DoorDecision.door`).
    public var door: String?

    public init(twiml: TwiML, outcome: IntercomOutcome, door: String? = nil) {
        self.twiml = twiml
        self.outcome = outcome
        self.door = door
    }
}

/// The branch the webhook took, in words a log line can carry.
public enum IntercomOutcome: Sendable, Equatable, CustomStringConvertible {
    /// Not the intercom (or no intercom known): `<Reject/>`, never forwarded.
    case rejected(reason: String)
    /// `<Play digits>`: a grant period or a door code opened the door.
    case opened(IntercomOpening.Method)
    /// `<Gather>`: door codes are configured, the visitor may key one in.
    case askedForCode
    /// `<Dial>`: the resident's number and/or browser dialers ring.
    case forwarded(number: PhoneNumber?, clients: [String])
    /// Nobody to forward to: a spoken apology.
    case nobodyToCall
    /// The forwarded call ended with this `DialCallStatus`.
    case forwardEnded(dialStatus: String?)

    public var description: String {
        switch self {
        case let .rejected(reason): return "rejected: \(reason)"
        case let .opened(how): return "opened the door (\(how.rawValue))"
        case .askedForCode: return "asked for a door code"
        case let .forwarded(number, clients):
            let targets = (number.map { [$0.e164] } ?? []) + clients.map { "client:" + $0 }
            return "forwarded to \(targets.joined(separator: ", "))"
        case .nobodyToCall: return "nobody to forward to (no PhoneNumberToDial, dial or ring_clients)"
        case let .forwardEnded(status): return "forwarded call ended (\(status ?? "no status"))"
        }
    }
}
