/// What the intercom does with one webhook request: a pure function of the settings, the
/// intercom's state, the call and the time (`decide`), so every branch is a unit test and the
/// caller persists the effects (an opening, a used single-use code) before it answers.
public enum DoorDecision: Sendable, Equatable {
    /// Not the intercom, or no intercom known: `<Reject/>`, never forwarded.
    case refuse(reason: String)
    /// A grant period runs: the door opens. `codeTried` is a code keyed in that did not open.
    case openForGrant(GrantPeriod, codeTried: DoorCodes.Match?)
    /// A door code opened; a single-use one must be recorded as used before the answer.
    case openForCode(DoorCode)
    /// Door codes are configured: a `<Gather>` asks for one.
    case askForCode
    /// The resident's number and/or browsers ring. `codeTried`: a code keyed in that did not
    /// open; `unusableDialNumber`: a `PhoneNumberToDial` of the URL that is no number.
    case forward(number: PhoneNumber?, clients: [String], codeTried: DoorCodes.Match?, unusableDialNumber: String?)
    /// Nobody to forward to: a spoken apology.
    case nobodyToCall(codeTried: DoorCodes.Match?, unusableDialNumber: String?)
    /// The forwarded call has ended (`DialCallStatus`): `completed` means a person answered
    /// (and could press the digit that opens the door). The intercom's call ends.
    case forwardEnded(dialStatus: String?)

    /// The decision for `call` at `now`. `state.usedCodes` holds the single-use codes used so far.
    public static func decide(settings: IntercomSettings, state: IntercomState, call: IntercomCall, now: Int) -> DoorDecision {
        // The intercom's number: the URL's ExpectedFrom, else the config's. Without one every
        // call is refused: forwarding strangers would make our number a free relay to the resident.
        let expected: PhoneNumber
        if let text = call.expectedFrom {
            guard let number = IntercomCall.number(text) else {
                return .refuse(reason: "ExpectedFrom \(JSON.quoted(text)) in the webhook URL is not an E.164 number")
            }
            expected = number
        } else if let number = settings.expectedFrom {
            expected = number
        } else {
            return .refuse(reason: "no ExpectedFrom in the webhook URL and no [intercom] expected_from, so no call is trusted")
        }
        guard let caller = try? PhoneNumber(e164: call.from), caller == expected else {
            return .refuse(reason: "From \(JSON.quoted(call.from)) is not the intercom")
        }

        if call.step == .dialed { return .forwardEnded(dialStatus: call.dialStatus) }
        var codeTried: DoorCodes.Match?
        if call.step == .code, let digits = call.digits {
            let match = settings.doorCodes.match(digits, usedCodes: state.usedCodes, now: now)
            if case let .valid(code) = match { return .openForCode(code) }
            codeTried = match
        }
        if let grant = state.activeGrant(at: now) {
            return .openForGrant(grant, codeTried: codeTried)
        }
        if call.step == .arrival, !settings.doorCodes.isEmpty {
            return .askForCode
        }
        var number = settings.dial
        var unusable: String?
        if let text = call.phoneNumberToDial {
            if let fromURL = IntercomCall.number(text) { number = fromURL } else { unusable = text }
        }
        guard number != nil || !settings.ringClients.isEmpty else {
            return .nobodyToCall(codeTried: codeTried, unusableDialNumber: unusable)
        }
        return .forward(number: number, clients: settings.ringClients, codeTried: codeTried, unusableDialNumber: unusable)
    }

    /// How the door opened, when it did.
    public var opening: IntercomOpening.Method? {
        switch self {
        case .openForGrant: return .grant
        case .openForCode: return .code
        default: return nil
        }
    }

    /// The digits to record as used before answering: a single-use code that opened.
    public var codeToConsume: String? {
        guard case let .openForCode(code) = self, code.singleUse else { return nil }
        return code.digits
    }

    /// The branch, in words a log line can carry.
    public var outcome: IntercomOutcome {
        switch self {
        case let .refuse(reason): return .rejected(reason: reason)
        case .openForGrant: return .opened(.grant)
        case .openForCode: return .opened(.code)
        case .askForCode: return .askedForCode
        case let .forward(number, clients, _, _): return .forwarded(number: number, clients: clients)
        case .nobodyToCall: return .nobodyToCall
        case let .forwardEnded(status): return .forwardEnded(dialStatus: status)
        }
    }

    /// How the call history names what happened at the door (`door` of the call record):
    /// `grant`, `code`, `answered` (a person took the forwarded call), `refused` (not the
    /// intercom); nil while nothing is decided yet or nobody answered.
    public var door: String? {
        switch self {
        case .openForGrant: return "grant"
        case .openForCode: return "code"
        case .refuse: return "refused"
        case let .forwardEnded(status): return status == "completed" ? "answered" : nil
        case .askForCode, .forward, .nobodyToCall: return nil
        }
    }

    /// What Twilio is told.
    public func twiml(settings: IntercomSettings, call: IntercomCall) -> TwiML {
        switch self {
        case .refuse:
            return TwiML([.reject()])
        case .openForGrant, .openForCode:
            return TwiML([.play(digits: settings.openDigits), .pause(length: IntercomSettings.holdSecondsAfterTone)])
        case .askForCode:
            let action = call.codeStepURL
            let gather = TwiMLElement.gather([.say(Intercom.codePrompt)], numDigits: settings.doorCodes.length,
                                             timeout: 5, action: action, method: .post)
            // No digits before the timeout: Twilio goes on to the next verb, which asks us again.
            return TwiML([gather, .redirect(action, method: .post)])
        case let .forward(number, clients, _, _):
            // One <Dial>: the phone and the browsers ring together; whoever answers first presses the digit.
            // Each leg reports to `/status`, so the history names the browser user who answered.
            let callback = call.legStatusURL
            let events = callback == nil ? [] : VoiceRouting.progressEvents
            let method: WebhookMethod? = callback == nil ? nil : .post
            let phone = number.map {
                [TwiMLElement.number($0.e164, statusCallback: callback, statusCallbackEvent: events, statusCallbackMethod: method)]
            } ?? []
            // Each browser learns that the intercom calls, and how its door opens.
            let parameters = Intercom.clientParameters(settings)
            let nouns = phone + clients.map {
                TwiMLElement.client(ClientIdentity.of($0), parameters: parameters,
                                    statusCallback: callback, statusCallbackEvent: events, statusCallbackMethod: method)
            }
            return TwiML([.dial(nouns, timeout: settings.dialTimeout, action: call.dialedStepURL, method: .post)])
        case .nobodyToCall:
            return TwiML([.say(Intercom.nobodyMessage), .hangup()])
        case .forwardEnded:
            return TwiML([.hangup()])
        }
    }

    /// The log lines about a code keyed in and a URL number that could not be used (never the digits).
    public var notes: [String] {
        var notes: [String] = []
        let tried: DoorCodes.Match?
        let unusable: String?
        switch self {
        case let .openForCode(code):
            return ["door code \(code.masked) opens the door\(code.singleUse ? " (single use: now used)" : "")"]
        case let .openForGrant(_, codeTried): tried = codeTried; unusable = nil
        case let .forward(_, _, codeTried, bad): tried = codeTried; unusable = bad
        case let .nobodyToCall(codeTried, bad): tried = codeTried; unusable = bad
        case .refuse, .askForCode, .forwardEnded: return []
        }
        switch tried {
        case let .expired(code)?: notes.append("door code \(code.masked) has expired")
        case let .used(code)?: notes.append("single-use door code \(code.masked) was used before")
        case .wrong?: notes.append("a wrong door code was keyed in")
        case .valid?, nil: break
        }
        if let unusable {
            notes.append("PhoneNumberToDial \(JSON.quoted(unusable)) in the webhook URL is not an E.164 number; not dialled")
        }
        return notes
    }
}
