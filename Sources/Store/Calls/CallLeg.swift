/// One leg of a call as the status callbacks describe it: a browser rung for an incoming call,
/// or the number a browser dialled. Merged like the record: the furthest status wins.
public struct CallLeg: Sendable, Equatable {
    public var sid: String
    /// The browser user of this leg (`client:alice`), when it is one.
    public var user: String?
    /// The phone number this leg rang (E.164), when it is a `<Number>` leg: the resident's
    /// phone of an intercom forward, a `[ring]` mobile, the number a browser dialled.
    public var number: String?
    /// The furthest `CallStatus` reported (`ringing` < `in-progress` < a final one).
    public var status: String
    /// Unix milliseconds.
    public var answeredAt: Int?
    public var endedAt: Int?
    /// Seconds, as Twilio reported it when the leg ended.
    public var duration: Int?

    public init(sid: String, user: String? = nil, number: String? = nil, status: String, answeredAt: Int? = nil,
                endedAt: Int? = nil, duration: Int? = nil) {
        self.sid = sid
        self.user = user
        self.number = number
        self.status = status
        self.answeredAt = answeredAt
        self.endedAt = endedAt
        self.duration = duration
    }

    /// Statuses after which a leg changes no more.
    public static let finalStatuses: Set<String> = ["completed", "busy", "failed", "no-answer", "canceled"]

    public var hasEnded: Bool { CallLeg.finalStatuses.contains(status) }
    public var wasAnswered: Bool { answeredAt != nil }

    /// How far along a status is: later callbacks never move a leg back.
    static func rank(_ status: String) -> Int {
        switch status {
        case "queued", "initiated": return 1
        case "ringing": return 2
        case "in-progress", "answered": return 3
        default: return CallLeg.finalStatuses.contains(status) ? 4 : 0
        }
    }

    /// This leg with another report of the same leg folded in. Commutative and idempotent.
    public func merged(with other: CallLeg) -> CallLeg {
        var leg = self
        leg.user = user ?? other.user
        leg.number = number ?? other.number
        let (mine, theirs) = (CallLeg.rank(status), CallLeg.rank(other.status))
        if theirs > mine || (theirs == mine && other.status > status) { leg.status = other.status }
        leg.answeredAt = earliest(answeredAt, other.answeredAt)
        leg.endedAt = earliest(endedAt, other.endedAt)
        leg.duration = latest(duration, other.duration)
        return leg
    }
}

func earliest(_ a: Int?, _ b: Int?) -> Int? {
    guard let a else { return b }
    guard let b else { return a }
    return min(a, b)
}

func latest(_ a: Int?, _ b: Int?) -> Int? {
    guard let a else { return b }
    guard let b else { return a }
    return max(a, b)
}
