/// The TwiML verbs and nouns Shetphone uses, with Twilio's attribute names.
/// An attribute left nil is not written, and Twilio applies its own default.
extension TwiMLElement {
    /// `<Say>`: text-to-speech. `voice` e.g. `alice`, `Polly.Amy`; `language` e.g. `en-GB`.
    public static func say(_ text: String, voice: String? = nil, language: String? = nil, loop: Int? = nil) -> TwiMLElement {
        TwiMLElement("Say", [("voice", voice), ("language", language), ("loop", loop.map(String.init))], text: text)
    }

    /// `<Play>`: an audio URL, or DTMF `digits` (`0-9`, `*`, `#`, `w` = half-second pause).
    public static func play(url: String? = nil, digits: String? = nil, loop: Int? = nil) -> TwiMLElement {
        TwiMLElement("Play", [("digits", digits), ("loop", loop.map(String.init))], children: url.map { [.text($0)] } ?? [])
    }

    /// `<Dial>` around nouns (`number`, `client`), or straight to a number given as text.
    public static func dial(
        _ nouns: [TwiMLElement] = [], text: String? = nil, callerId: String? = nil, answerOnBridge: Bool? = nil,
        timeout: Int? = nil, timeLimit: Int? = nil, action: String? = nil, method: WebhookMethod? = nil,
        record: DialRecording? = nil, hangupOnStar: Bool? = nil, ringTone: String? = nil
    ) -> TwiMLElement {
        TwiMLElement(
            "Dial",
            [
                ("callerId", callerId), ("answerOnBridge", answerOnBridge.map(String.init)),
                ("timeout", timeout.map(String.init)), ("timeLimit", timeLimit.map(String.init)),
                ("action", action), ("method", method?.rawValue), ("record", record?.rawValue),
                ("hangupOnStar", hangupOnStar.map(String.init)), ("ringTone", ringTone),
            ],
            children: nouns.map(TwiMLNode.element) + (text.map { [TwiMLNode.text($0)] } ?? [])
        )
    }

    /// `<Number>` inside `<Dial>`: a PSTN number, with call-progress callbacks for its leg.
    public static func number(
        _ number: String, sendDigits: String? = nil, url: String? = nil, statusCallback: String? = nil,
        statusCallbackEvent: [CallProgressEvent] = [], statusCallbackMethod: WebhookMethod? = nil
    ) -> TwiMLElement {
        TwiMLElement(
            "Number",
            [("sendDigits", sendDigits), ("url", url)] + statusCallbackAttributes(statusCallback, statusCallbackEvent, statusCallbackMethod),
            text: number
        )
    }

    /// `<Client>` inside `<Dial>`: a browser registered as `identity`. With custom
    /// parameters the identity goes in an `<Identity>` child, as Twilio requires.
    public static func client(
        _ identity: String, parameters: [(String, String)] = [], statusCallback: String? = nil,
        statusCallbackEvent: [CallProgressEvent] = [], statusCallbackMethod: WebhookMethod? = nil
    ) -> TwiMLElement {
        let attributes = statusCallbackAttributes(statusCallback, statusCallbackEvent, statusCallbackMethod)
        if parameters.isEmpty {
            return TwiMLElement("Client", attributes, text: identity)
        }
        let children: [TwiMLNode] = [.element(TwiMLElement("Identity", text: identity))]
            + parameters.map { .element(TwiMLElement("Parameter", [("name", $0.0), ("value", $0.1)])) }
        return TwiMLElement("Client", attributes, children: children)
    }

    /// `<Gather>`: collect DTMF, then request `action` with `Digits`.
    public static func gather(
        _ prompts: [TwiMLElement] = [], numDigits: Int? = nil, timeout: Int? = nil, finishOnKey: String? = nil,
        action: String? = nil, method: WebhookMethod? = nil
    ) -> TwiMLElement {
        TwiMLElement(
            "Gather",
            [
                ("input", "dtmf"), ("numDigits", numDigits.map(String.init)), ("timeout", timeout.map(String.init)),
                ("finishOnKey", finishOnKey), ("action", action), ("method", method?.rawValue),
            ],
            children: prompts.map(TwiMLNode.element)
        )
    }

    /// `<Reject>`: refuse an incoming call before it is answered (no charge).
    public static func reject(reason: RejectReason? = nil) -> TwiMLElement {
        TwiMLElement("Reject", [("reason", reason?.rawValue)])
    }

    public static func hangup() -> TwiMLElement { TwiMLElement("Hangup") }

    public static func pause(length: Int? = nil) -> TwiMLElement {
        TwiMLElement("Pause", [("length", length.map(String.init))])
    }

    public static func redirect(_ url: String, method: WebhookMethod? = nil) -> TwiMLElement {
        TwiMLElement("Redirect", [("method", method?.rawValue)], text: url)
    }

    static func statusCallbackAttributes(
        _ url: String?, _ events: [CallProgressEvent], _ method: WebhookMethod?
    ) -> [(String, String?)] {
        [
            ("statusCallbackEvent", events.isEmpty ? nil : events.map(\.rawValue).joined(separator: " ")),
            ("statusCallback", url), ("statusCallbackMethod", method?.rawValue),
        ]
    }
}

/// How Twilio calls a webhook URL named in TwiML.
public enum WebhookMethod: String, Sendable {
    case get = "GET"
    case post = "POST"
}

/// Call-progress events a `<Number>` or `<Client>` leg reports to its `statusCallback`.
public enum CallProgressEvent: String, Sendable, CaseIterable {
    case initiated, ringing, answered, completed
}

/// `<Dial record>` values.
public enum DialRecording: String, Sendable {
    case doNotRecord = "do-not-record"
    case fromAnswer = "record-from-answer"
    case fromRinging = "record-from-ringing"
    case fromAnswerDual = "record-from-answer-dual"
    case fromRingingDual = "record-from-ringing-dual"
}

/// `<Reject reason>` values: what the caller hears.
public enum RejectReason: String, Sendable {
    case rejected, busy
}
