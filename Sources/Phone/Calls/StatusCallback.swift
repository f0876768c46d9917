/// Turns a Twilio status callback (`POST /status`) into the `call.status` event for the
/// browsers of the number involved, and of the user when a browser leg is involved.
public enum StatusCallback {
    /// Statuses Twilio reports for a call leg.
    public static let knownStatuses: Set<String> = [
        "queued", "initiated", "ringing", "in-progress", "answered", "completed", "busy", "failed", "no-answer", "canceled",
    ]

    /// Longest `From`/`To` passed on to browsers: Twilio's are far shorter, anything longer is not Twilio's.
    static let maximumFieldLength = 128

    /// `form`: the POST body; `query`: the callback URL's query (`number`, `user` hints that
    /// `VoiceRouting` put there). `now`: unix seconds, stamped as the event's `timestamp`.
    /// Nil when the request has no call SID or status, or concerns none of our numbers or users.
    public static func event(form: [(String, String)], query: [(String, String)] = [], plan: NumberPlan, now: Int) -> PhoneEvent? {
        let parameters = TwilioParameters(form)
        let hints = TwilioParameters(query)
        guard let callSid = parameters["CallSid"], callSid.count <= maximumFieldLength,
              let status = parameters["CallStatus"]?.lowercased(), knownStatuses.contains(status)
        else { return nil }

        // Our number: the one VoiceRouting named in the URL, else whichever of the call's
        // numbers is ours (To for incoming calls, From for calls placed with our caller ID).
        var ours: PhoneNumber?
        for candidate in [hints["number"], parameters["To"], parameters["Called"], parameters["From"],
                          parameters["Caller"], parameters["ForwardedFrom"]] {
            if let text = candidate, let number = try? PhoneNumber(e164: text), plan.isOurs(number) {
                ours = number
                break
            }
        }

        var users: [String] = []
        let hinted = hints["user"].flatMap { plan.isKnown(user: $0) ? $0 : nil }
        let fromUser = plan.user(atClientAddress: parameters["From"])
        let toUser = plan.user(atClientAddress: parameters["To"])
        for candidate in [hinted, fromUser, toUser] {
            if let user = candidate, !users.contains(user) { users.append(user) }
        }

        // A user's leg is shown in a number's room only when the user is on that number: a call
        // alice places to bob's number is alice's business, not that of bob's number.
        if let number = ours, users.contains(where: { !plan.numbers(of: $0).contains(number) }) { ours = nil }

        var rooms: [String] = []
        if let ours { rooms.append(RoomName.number(ours.e164)) }
        rooms += users.map(RoomName.user)
        guard !rooms.isEmpty else { return nil }

        let data: JSON = [
            "callSid": .string(callSid),
            "parentCallSid": .string(orNull: short(parameters["ParentCallSid"])),
            "status": .string(status),
            "direction": .string(orNull: short(parameters["Direction"], 32)),
            "from": .string(orNull: party(parameters["From"])),
            "to": .string(orNull: party(parameters["To"])),
            "fromUser": .string(orNull: fromUser),
            "toUser": .string(orNull: toUser),
            "number": .string(orNull: ours?.e164),
            "duration": .int(orNull: parameters["CallDuration"].flatMap { Int($0) }.flatMap { $0 >= 0 ? $0 : nil }),
            "timestamp": .int(now),
        ]
        return PhoneEvent("call.status", data, rooms: rooms)
    }

    /// A leg's `From`/`To` as browsers see it: a number (or SIP address), never a browser leg's
    /// `client:<identity>` (that is an encoded name; `fromUser`/`toUser` carry the user instead).
    static func party(_ value: String?) -> String? {
        guard let value = short(value), !value.hasPrefix("client:") else { return nil }
        return value
    }

    /// The value when it is short enough to pass on, else nil.
    static func short(_ value: String?, _ limit: Int = maximumFieldLength) -> String? {
        guard let value, value.utf8.count <= limit else { return nil }
        return value
    }
}
