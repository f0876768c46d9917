import Store

extension CallUpdate {
    /// What an intercom webhook tells the call history: an `intercom` call from the intercom
    /// (`From`) to our number (`To`, so the users on that number see it), with how the door
    /// opened (`door`: `grant`, `code`, `answered`, `refused`) and, at the end of a forward,
    /// the `<Dial>`'s status and leg. Nil without a usable `CallSid`. `now`: unix milliseconds.
    static func intercom(form: [(String, String)], door: String?, dialStatus: String?, now: Int) -> CallUpdate? {
        let parameters = TwilioParameters(form)
        guard let sid = CallUpdate.sid(parameters["CallSid"]) else { return nil }
        var update = CallUpdate(callSid: sid, direction: .intercom, ourNumber: CallUpdate.short(parameters["To"]),
                                otherParty: CallUpdate.short(parameters["From"]),
                                callerName: CallUpdate.short(parameters["CallerName"]), door: door, at: now)
        if let dialStatus {
            update.dialStatus = dialStatus
            update.leg = CallUpdate.dialedLeg(parameters, status: dialStatus, now: now)
        }
        return update
    }
}
