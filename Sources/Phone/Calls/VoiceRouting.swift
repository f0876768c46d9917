/// What to tell Twilio when it asks `POST /voice`, decided from the form Twilio sent and
/// the number plan alone (no I/O, so every case is a unit test).
///
/// - From `client:<user>` (the browser dialer): `<Dial>` the number with the user's caller
///   ID for that country, if the destination is a valid number in an allowed country.
/// - To one of our numbers: `<Dial>` a `<Client>` per user of that number, and tell those
///   users' browsers. When nobody answers, Twilio asks `/voice` again with `DialCallStatus`
///   (the `<Dial action>`), and gets the no-answer message.
/// - Anything else is refused with a spoken message, never dialled.
public struct VoiceRouting: Sendable {
    public var plan: NumberPlan
    /// When set, requests for another account are refused.
    public var accountSID: String?
    /// Where Twilio reaches this server, `https://example.com/shetphone` (no trailing `/`);
    /// `/status` and `/voice` are added. Empty: URLs relative to `/voice`, which Twilio
    /// resolves against the URL it just requested.
    public var webhookBaseURL: String
    /// Seconds the browsers ring for an incoming call.
    public var dialTimeout: Int
    /// Seconds a browser's outgoing call rings before it ends as `no-answer` (`[app] outgoing_dial_timeout`).
    public var outgoingDialTimeout = VoiceRouting.outgoingRingSeconds
    /// Said when nobody answers an incoming call.
    public var noAnswerMessage: String
    public var unavailableMessage = "We are unable to connect your call at this time."
    /// Extra phones, do-not-disturb and voicemail (`VoiceRouting+Reach.swift`).
    public var reach = Reach()

    public init(plan: NumberPlan, accountSID: String? = nil, webhookBaseURL: String = "", dialTimeout: Int = 25,
                noAnswerMessage: String = "Sorry, nobody is available to take your call. Goodbye.") {
        self.plan = plan
        self.accountSID = accountSID
        self.webhookBaseURL = webhookBaseURL.hasSuffix("/") ? String(webhookBaseURL.dropLast()) : webhookBaseURL
        self.dialTimeout = dialTimeout
        self.noAnswerMessage = noAnswerMessage
    }

    /// Every leg reports these to `/status`, so browsers can show the whole progress.
    public static let progressEvents: [CallProgressEvent] = [.initiated, .ringing, .answered, .completed]

    /// Default seconds an outgoing call rings before it ends as `no-answer` (Twilio's own default is 30).
    public static let outgoingRingSeconds = 60

    /// Longest `To` the dialer may send; a phone number with separators is far shorter.
    static let maximumDestinationLength = 64

    /// `query`: the webhook URL's own parameters (`ring=2` on the second stage's `<Dial action>`).
    public func answer(_ form: [(String, String)], query: [(String, String)] = []) -> VoiceAnswer {
        let parameters = TwilioParameters(form)
        if let accountSID, let given = parameters["AccountSid"], given != accountSID {
            return refuse(unavailableMessage, because: "AccountSid \(given) is not this account")
        }
        let from = parameters["From"] ?? ""
        if let dialStatus = parameters["DialCallStatus"] {
            if from.hasPrefix("client:") { return outgoingEnded(status: dialStatus, parameters: parameters) }
            return dialEnded(status: dialStatus, parameters: parameters, query: TwilioParameters(query))
        }
        if from.hasPrefix("client:") {
            guard let user = plan.user(atClientAddress: from) else {
                return refuse(unavailableMessage, because: "\(JSON.quoted(from)) is no user in the number plan")
            }
            return outgoing(from: user, parameters: parameters)
        }
        if let to = parameters["To"], let number = try? PhoneNumber(e164: to), !plan.users(answering: number).isEmpty {
            return incoming(to: number, parameters: parameters)
        }
        return refuse(unavailableMessage, because: "From \(JSON.quoted(from)) To \(JSON.quoted(parameters["To"] ?? "")) is neither a browser nor one of our numbers")
    }

    private func outgoing(from user: String, parameters: TwilioParameters) -> VoiceAnswer {
        let callerIDs = plan.callerIDs(of: user)
        guard let home = callerIDs.first else {
            return refuse("Sorry, you have no number to call from.", because: "\(user) has no caller ID in [clients]")
        }
        let to = parameters["To"] ?? ""
        guard to.count <= VoiceRouting.maximumDestinationLength,
              let destination = try? PhoneNumber(parsing: to, defaultCallingCode: home.countryCallingCode)
        else {
            return refuse("Sorry, that is not a valid phone number.", because: "\(user) dialled \(JSON.quoted(to)), not a phone number")
        }
        switch plan.refusal(forCallTo: destination) {
        case nil: break
        case .country(let region):
            return refuse("Sorry, calls to that country are not allowed.",
                          because: "\(user) dialled \(destination) in \(region ?? "no country"), not in allowed_countries")
        case .costly(let kind):
            return refuse("Sorry, calls to \(kind.rawValue) numbers are not allowed.",
                          because: "\(user) dialled \(destination), a \(kind.rawValue) number not in allow_premium")
        }
        // Twilio refuses a caller ID equal to the callee on some routes; ours never is, but calling our own
        // number is allowed: it comes back as an incoming call.
        let callerID = CallerIDSelector.select(from: callerIDs, for: destination) ?? home
        let dial = TwiMLElement.dial(
            [.number(destination.e164, statusCallback: statusCallbackURL(number: callerID, user: user),
                     statusCallbackEvent: VoiceRouting.progressEvents, statusCallbackMethod: .post)],
            callerId: callerID.e164, answerOnBridge: true, timeout: outgoingDialTimeout,
            action: url("/voice"), method: .post)
        return VoiceAnswer(twiml: TwiML([dial]), events: [],
                           outcome: .outgoing(user: user, destination: destination, callerID: callerID))
    }

    private func incoming(to number: PhoneNumber, parameters: TwilioParameters) -> VoiceAnswer {
        let users = plan.users(answering: number)
        let event = PhoneEvent(
            "call.incoming",
            [
                "callSid": .string(orNull: parameters["CallSid"]),
                "from": .string(orNull: parameters["From"]),
                "to": .string(number.e164),
                "callerName": .string(orNull: parameters["CallerName"]),
            ],
            rooms: [RoomName.number(number.e164)] + users.map(RoomName.user))
        return VoiceAnswer(twiml: ring(number, users: users, stage: 1, parameters: parameters), events: [event],
                           outcome: .incoming(number: number, users: users))
    }

    /// The `<Dial action>` request of a browser's call: the reason it did not connect, spoken and sent
    /// to the caller's dialers as `call.outcome` `{callSid, dialCallSid, status, reason, to}`.
    private func outgoingEnded(status text: String, parameters: TwilioParameters) -> VoiceAnswer {
        let outcome = DialOutcome(rawValue: text.lowercased()) ?? .failed
        var events: [PhoneEvent] = []
        if let user = plan.user(atClientAddress: parameters["From"]) {
            events.append(PhoneEvent("call.outcome", [
                "callSid": .string(orNull: parameters["CallSid"].flatMap { StatusCallback.short($0) }),
                "dialCallSid": .string(orNull: parameters["DialCallSid"].flatMap { StatusCallback.short($0) }),
                "status": .string(outcome.rawValue),
                "reason": .string(orNull: outcome.reason),
                "to": .string(orNull: parameters["To"].flatMap { StatusCallback.short($0) }),
            ], rooms: [RoomName.user(user)]))
        }
        let said: [TwiMLElement] = outcome.reason.map { [.say("Sorry, \($0).")] } ?? []
        return VoiceAnswer(twiml: TwiML(said + [.hangup()]), events: events, outcome: .dialEnded(status: outcome.rawValue))
    }

    /// The `<Dial action>` request: hang up after a call that happened; after the first stage,
    /// ring everyone; else voicemail (or the no-answer message).
    private func dialEnded(status: String, parameters: TwilioParameters, query: TwilioParameters) -> VoiceAnswer {
        if status == "completed" || status == "answered" {
            return VoiceAnswer(twiml: TwiML([.hangup()]), events: [], outcome: .dialEnded(status: status))
        }
        guard let to = parameters["To"], let number = try? PhoneNumber(e164: to), !plan.users(answering: number).isEmpty else {
            return VoiceAnswer(twiml: TwiML([.say(noAnswerMessage), .hangup()]), events: [], outcome: .dialEnded(status: status))
        }
        if query["ring"] == "2", status != "canceled" {
            return VoiceAnswer(twiml: ring(number, users: plan.users(answering: number), stage: 2, parameters: parameters),
                               events: [], outcome: .dialEnded(status: status + ", ringing the later phones"))
        }
        let missed = PhoneEvent("call.missed", [
            "callSid": .string(orNull: parameters["CallSid"]), "from": .string(orNull: parameters["From"]),
            "to": .string(number.e164), "status": .string(status),
        ], rooms: [RoomName.number(number.e164)])
        return VoiceAnswer(twiml: nobodyAnswered(number, parameters: parameters), events: [missed], outcome: .dialEnded(status: status))
    }

    private func refuse(_ message: String, because reason: String) -> VoiceAnswer {
        VoiceAnswer(twiml: TwiML([.say(message), .hangup()]), events: [], outcome: .refused(reason: reason))
    }

    func url(_ path: String) -> String {
        webhookBaseURL.isEmpty ? String(path.dropFirst()) : webhookBaseURL + path
    }

    /// `/status?number=...&user=...`: the callback for a `<Number>` leg names neither our
    /// number's users nor the caller, so the URL carries them. Twilio signs the URL, so a
    /// forged hint fails the signature check; `StatusCallback` also re-checks it against the plan.
    func statusCallbackURL(number: PhoneNumber, user: String?) -> String {
        var query = [("number", number.e164)]
        if let user { query.append(("user", user)) }
        return url("/status") + "?" + FormEncoding.encode(query)
    }
}
