/// The `voice` grant of an Access Token: may this browser receive calls, and which
/// TwiML App places its outgoing calls (Twilio Voice JavaScript SDK 2.x).
public struct VoiceGrant: Sendable, Equatable {
    public var incomingAllow: Bool
    /// `AP...`: the TwiML App whose Voice URL (`/voice`) Twilio asks for outgoing calls.
    public var outgoingApplicationSID: String?
    /// Sent by Twilio to `/voice` with every outgoing call from this token.
    public var outgoingApplicationParams: [(String, String)]

    public init(incomingAllow: Bool = true, outgoingApplicationSID: String?, outgoingApplicationParams: [(String, String)] = []) {
        self.incomingAllow = incomingAllow
        self.outgoingApplicationSID = outgoingApplicationSID
        self.outgoingApplicationParams = outgoingApplicationParams
    }

    public static func == (lhs: VoiceGrant, rhs: VoiceGrant) -> Bool {
        lhs.incomingAllow == rhs.incomingAllow && lhs.outgoingApplicationSID == rhs.outgoingApplicationSID
            && lhs.outgoingApplicationParams.elementsEqual(rhs.outgoingApplicationParams, by: { $0 == $1 })
    }

    /// The grant as Twilio reads it: `{"incoming":{"allow":true},"outgoing":{"application_sid":"AP..."}}`.
    public var json: JSON {
        var members: [(String, JSON)] = []
        if incomingAllow { members.append(("incoming", ["allow": true])) }
        if let sid = outgoingApplicationSID {
            var outgoing: [(String, JSON)] = [("application_sid", .string(sid))]
            if !outgoingApplicationParams.isEmpty {
                outgoing.append(("params", .object(outgoingApplicationParams.map { ($0.0, JSON.string($0.1)) })))
            }
            members.append(("outgoing", .object(outgoing)))
        }
        return .object(members)
    }
}
