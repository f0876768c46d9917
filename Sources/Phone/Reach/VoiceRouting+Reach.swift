/// Incoming calls beyond the browsers: extra phones (screened mobiles, SIP), ringing in two
/// stages when some phones join later, do-not-disturb, and voicemail when nobody answers.
///
/// Stage 1 rings the browsers and the phones set to ring with them. If some phones are set to
/// join after N seconds, stage 1 lasts N seconds and its `<Dial action>` is `/voice?ring=2`,
/// which rings everyone for the rest of the ring time. A final no-answer leads to voicemail.
extension VoiceRouting {
    /// The `<Dial>` (or voicemail, when nobody can ring) for a call to `number` answered by `users`.
    func ring(_ number: PhoneNumber, users: [String], stage: Int, parameters: TwilioParameters) -> TwiML {
        let awake = users.filter { !reach.ring.doNotDisturb.contains($0) }
        guard !awake.isEmpty else { return nobodyAnswered(number, parameters: parameters) }
        let targets = awake.compactMap { reach.ring.targets[$0] }
        let laterDelay = targets.map(\.delaySeconds).filter { $0 > 0 }.min()
        let callback = statusCallbackURL(number: number, user: nil)
        var nouns = awake.map { user in
            TwiMLElement.client(ClientIdentity.of(user), statusCallback: callback,
                                statusCallbackEvent: VoiceRouting.progressEvents, statusCallbackMethod: .post)
        }
        for target in targets where target.delaySeconds == 0 || stage == 2 {
            nouns += phones(of: target, number: number, parameters: parameters, callback: callback)
        }
        if stage == 1, let laterDelay {
            return TwiML([.dial(nouns, timeout: laterDelay, action: url("/voice") + "?ring=2", method: .post)])
        }
        let timeout = stage == 2 ? max(5, dialTimeout - (laterDelay ?? 0)) : dialTimeout
        return TwiML([.dial(nouns, timeout: timeout, action: url("/voice"), method: .post)])
    }

    /// `<Number url=screen>` per mobile, `<Sip>` per SIP URI.
    private func phones(of target: RingSettings.Targets, number: PhoneNumber, parameters: TwilioParameters,
                        callback: String) -> [TwiMLElement] {
        let screen = url("/voice/screen") + "?" + FormEncoding.encode([
            ("number", number.e164), ("caller", parameters["From"] ?? ""),
        ])
        return target.numbers.map {
            .number($0.e164, url: screen, statusCallback: callback, statusCallbackEvent: VoiceRouting.progressEvents,
                    statusCallbackMethod: .post)
        } + target.sipURIs.map {
            .sip($0, statusCallback: callback, statusCallbackEvent: VoiceRouting.progressEvents, statusCallbackMethod: .post)
        }
    }

    /// Nobody took the call: the number's greeting and `<Record>`, or the no-answer message.
    func nobodyAnswered(_ number: PhoneNumber, parameters: TwilioParameters) -> TwiML {
        guard let voicemail = reach.voicemail, voicemail.isOn(for: number.e164) else {
            return TwiML([.say(noAnswerMessage), .hangup()])
        }
        let greeting: TwiMLElement
        switch voicemail.greeting(for: number.e164) {
        case .say(let text): greeting = .say(text, voice: voicemail.voice, language: voicemail.language)
        case .audio(let key, _): greeting = .play(url: url("/voicemail/greeting/") + key)
        }
        // Twilio's recording callbacks do not carry the caller: the URL does (and Twilio signs it).
        let query = "?" + FormEncoding.encode([("number", number.e164), ("caller", parameters["From"] ?? "")])
        let record = TwiMLElement.record(
            maxLength: voicemail.maxLengthSeconds, action: url("/voicemail/recorded"),
            recordingStatusCallback: url("/voicemail/recording") + query,
            transcribeCallback: voicemail.transcribe ? url("/voicemail/transcription") + query : nil)
        return TwiML([greeting, record, .hangup()])
    }
}

/// What a screened mobile hears when it picks up (`<Number url>`), and what its key press does.
///
/// Without `Digits`: who is calling, and "press 1"; no key within the time hangs the leg up, so
/// the mobile's own voicemail (which answers like a person) never takes the call. `Digits=1`
/// connects; anything else hangs up this leg while the others go on ringing.
public struct CallScreening: Sendable {
    public var webhookBaseURL: String

    public init(webhookBaseURL: String) {
        self.webhookBaseURL = webhookBaseURL.hasSuffix("/") ? String(webhookBaseURL.dropLast()) : webhookBaseURL
    }

    public func answer(form: [(String, String)], query: [(String, String)]) -> TwiML {
        let parameters = TwilioParameters(form)
        let hint = TwilioParameters(query)
        if let digits = parameters["Digits"] {
            return digits == "1" ? TwiML([]) : TwiML([.hangup()])
        }
        let caller = hint["caller"].map(CallScreening.spoken) ?? "an unknown number"
        let number = hint["number"].map(CallScreening.spoken) ?? "your number"
        let again = (webhookBaseURL.isEmpty ? "screen" : webhookBaseURL + "/voice/screen") + "?" + FormEncoding.encode(query)
        let prompt = TwiMLElement.say("Call for \(number) from \(caller). Press 1 to take it.")
        return TwiML([.gather([prompt], numDigits: 1, timeout: 8, action: again, method: .post), .hangup()])
    }

    /// `+4420...` read digit by digit ("plus 4 4 2 0 ..."); anything else is dropped.
    static func spoken(_ number: String) -> String {
        let digits = number.filter { $0.isASCII && $0.isNumber }.prefix(20).map(String.init)
        guard !digits.isEmpty else { return "an unknown number" }
        return (number.hasPrefix("+") ? "plus " : "") + digits.joined(separator: " ")
    }
}
