/// What one webhook (`/voice`, the `<Dial action>`, `/status`) tells about a call. Every field is
/// optional: each callback knows a part, and `CallRecord.merging` folds the parts together.
public struct CallUpdate: Sendable, Equatable {
    /// The call's first leg: the record's key (`ParentCallSid` of a leg, else `CallSid`).
    public var callSid: String
    /// When Twilio names a parent of the first leg itself.
    public var parentSid: String?
    public var direction: CallDirection?
    /// Our number, E.164.
    public var ourNumber: String?
    /// The number (or client) at the other end.
    public var otherParty: String?
    /// `CallerName` from Twilio's caller ID lookup, when known.
    public var callerName: String?
    /// The browser user who placed an outgoing call.
    public var user: String?
    /// Browser users rung for an incoming call.
    public var usersRung: [String]
    /// A report about one leg (a status callback).
    public var leg: CallLeg?
    /// `DialCallStatus` of the `<Dial action>` request.
    public var dialStatus: String?
    /// What the intercom did at the door (`grant`, `code`, `answered`, `refused`).
    public var door: String?
    /// Unix milliseconds the event happened (Twilio's `Timestamp` when given, else receipt).
    public var at: Int

    public init(callSid: String, parentSid: String? = nil, direction: CallDirection? = nil, ourNumber: String? = nil,
                otherParty: String? = nil, callerName: String? = nil, user: String? = nil, usersRung: [String] = [],
                leg: CallLeg? = nil, dialStatus: String? = nil, door: String? = nil, at: Int) {
        self.callSid = callSid
        self.parentSid = parentSid
        self.direction = direction
        self.ourNumber = ourNumber
        self.otherParty = otherParty
        self.callerName = callerName
        self.user = user
        self.usersRung = usersRung
        self.leg = leg
        self.dialStatus = dialStatus
        self.door = door
        self.at = at
    }
}
