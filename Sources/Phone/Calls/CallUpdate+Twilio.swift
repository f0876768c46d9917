import Store

/// What each Twilio webhook tells the call history, decided from the form alone (pure, so
/// every case is a unit test). `now` is unix milliseconds when the request arrived.
extension CallUpdate {
    /// `/voice`: a call placed by a browser, a call to one of our numbers, a `<Dial action>`
    /// (`DialCallStatus`), or a refused call. Nil without a usable `CallSid`.
    static func voice(form: [(String, String)], outcome: VoiceOutcome, plan: NumberPlan, now: Int) -> CallUpdate? {
        let parameters = TwilioParameters(form)
        guard let sid = CallUpdate.sid(parameters["CallSid"]) else { return nil }
        var update = CallUpdate(callSid: sid, parentSid: CallUpdate.sid(parameters["ParentCallSid"]), at: now)
        switch outcome {
        case let .outgoing(user, destination, callerID):
            update.direction = .outgoing
            update.user = user
            update.ourNumber = callerID.e164
            update.otherParty = destination.e164
        case let .incoming(number, users):
            update.direction = .incoming
            update.ourNumber = number.e164
            update.otherParty = CallUpdate.short(parameters["From"])
            update.callerName = CallUpdate.short(parameters["CallerName"])
            update.usersRung = users
        case let .dialEnded(status):
            update.dialStatus = status
            update.leg = CallUpdate.dialedLeg(parameters, status: status, now: now)
        case .refused:
            let from = parameters["From"] ?? ""
            if from.hasPrefix("client:") {
                update.direction = .outgoing
                update.user = plan.user(atClientAddress: from)
                update.otherParty = CallUpdate.short(parameters["To"])
            } else {
                update.direction = .incoming
                update.otherParty = CallUpdate.short(from)
            }
            update.dialStatus = "failed"
        }
        return update
    }

    /// `/status`: one leg's progress. The record is the leg's parent call (or the call itself
    /// when it has none). `query` holds the `number`/`user` hints `VoiceRouting` put in the URL.
    static func status(form: [(String, String)], query: [(String, String)], plan: NumberPlan, now: Int) -> CallUpdate? {
        let parameters = TwilioParameters(form)
        let hints = TwilioParameters(query)
        guard let sid = CallUpdate.sid(parameters["CallSid"]),
              let status = parameters["CallStatus"]?.lowercased(), StatusCallback.knownStatuses.contains(status)
        else { return nil }
        let parent = CallUpdate.sid(parameters["ParentCallSid"])
        let at = parameters["Timestamp"].flatMap(TwilioTimestamp.millis) ?? now
        let duration = parameters["CallDuration"].flatMap { Int($0) }.map { max(0, $0) }
        var leg = CallLeg(sid: sid, status: status)
        if parent != nil, let to = parameters["To"], let number = try? PhoneNumber(e164: to) {
            // A `<Number>` leg: the phone it rang (the resident's, a mobile, the number dialled).
            leg.number = number.e164
        }
        if status == "in-progress" || status == "answered" { leg.answeredAt = at }
        if CallLeg.finalStatuses.contains(status) {
            leg.endedAt = at
            leg.duration = duration
            if status == "completed", let duration, duration > 0 { leg.answeredAt = at - duration * 1000 }
        }
        var update = CallUpdate(callSid: parent ?? sid, at: at)
        update.leg = leg
        let user = hints["user"].flatMap { plan.isKnown(user: $0) ? $0 : nil }
        if let user {
            // A `<Number>` leg dialled for a browser: VoiceRouting named the user and caller ID.
            update.direction = .outgoing
            update.user = user
            update.otherParty = CallUpdate.short(parameters["To"])
        } else if let client = plan.user(atClientAddress: parameters["To"]), parent != nil {
            // A browser rung for an incoming call.
            update.direction = .incoming
            leg.user = client
            update.leg = leg
            update.otherParty = CallUpdate.short(parameters["From"])
        }
        for candidate in [hints["number"], parameters["To"], parameters["Called"], parameters["From"], parameters["Caller"]] {
            if let text = candidate, let number = try? PhoneNumber(e164: text), plan.isOurs(number) {
                update.ourNumber = number.e164
                break
            }
        }
        return update
    }

    /// A call SID as Twilio writes them (`CA` + 32 hex digits); anything else is not kept.
    /// The leg a `<Dial action>` request reports (`DialCallSid`, `DialCallDuration`), if named.
    static func dialedLeg(_ parameters: TwilioParameters, status: String, now: Int) -> CallLeg? {
        guard let legSid = CallUpdate.sid(parameters["DialCallSid"]) else { return nil }
        let duration = parameters["DialCallDuration"].flatMap { Int($0) }.map { max(0, $0) }
        let talked = (duration ?? 0) > 0
        return CallLeg(sid: legSid, status: talked ? "completed" : status,
                       answeredAt: talked ? now - (duration ?? 0) * 1000 : nil, endedAt: now, duration: duration)
    }

    static func sid(_ text: String?) -> String? {
        guard let text, text.utf8.count >= 2, text.utf8.count <= 64,
              text.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) })
        else { return nil }
        return text
    }

    static func short(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return String(text.prefix(StatusCallback.maximumFieldLength))
    }
}
