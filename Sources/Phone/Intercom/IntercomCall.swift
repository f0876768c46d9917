import Store
import Web

/// One intercom webhook request, as the decision needs it: which step of the call it is,
/// who calls, the digits keyed in, and the numbers named in the (signed) webhook URL.
public struct IntercomCall: Sendable, Equatable {
    /// Where in the call Twilio is asking.
    public enum Step: String, Sendable {
        /// The intercom has just called.
        case arrival
        /// The `<Gather>` for a door code has finished (with `Digits`, or without after a timeout).
        case code
        /// The forwarding `<Dial>` has ended (its `action`, with `DialCallStatus`).
        case dialed
    }

    public var step: Step
    /// Twilio's `From`: the number that called.
    public var from: String
    /// Twilio's `To`: our number, which the intercom called.
    public var to: String?
    /// Twilio's `CallSid` (letters and digits, else nil): a retried webhook of the same call
    /// opens the door again without consuming a single-use code twice.
    public var callSid: String?
    /// Twilio's `Digits` after the `<Gather>`.
    public var digits: String?
    /// Twilio's `DialCallStatus` after the `<Dial>` (`completed` when somebody answered).
    public var dialStatus: String?
    /// `ExpectedFrom` of the URL, as written there.
    public var expectedFrom: String?
    /// `PhoneNumberToDial` of the URL, as written there.
    public var phoneNumberToDial: String?
    /// The path Twilio requested (with any base path), for the `<Gather action>`.
    public var requestPath: String
    /// Where each leg of a forward reports its progress (the app's `/status`, naming our number),
    /// so the history learns which browser took the call; nil: the legs report nothing.
    public var legStatusURL: String?

    public init(step: Step = .arrival, from: String, digits: String? = nil, expectedFrom: String? = nil,
                phoneNumberToDial: String? = nil, requestPath: String = "/intercom", dialStatus: String? = nil,
                callSid: String? = nil, to: String? = nil, legStatusURL: String? = nil) {
        self.step = step
        self.from = from
        self.to = to
        self.legStatusURL = legStatusURL
        self.callSid = callSid
        self.digits = digits
        self.dialStatus = dialStatus
        self.expectedFrom = expectedFrom
        self.phoneNumberToDial = phoneNumberToDial
        self.requestPath = requestPath
    }

    /// Reads the URL's query and the verified form. `target` is the request-target as sent.
    public init(target: String, query: [(String, String)], form: [(String, String)]) {
        func first(_ pairs: [(String, String)], _ name: String) -> String? {
            guard let value = pairs.first(where: { $0.0 == name })?.1, !value.isEmpty else { return nil }
            return value
        }
        step = first(query, "step").flatMap(Step.init(rawValue:)) ?? .arrival
        from = first(form, "From") ?? ""
        to = first(form, "To")
        callSid = CallUpdate.sid(first(form, "CallSid"))
        digits = first(form, "Digits")
        dialStatus = first(form, "DialCallStatus").map { String($0.prefix(32)) }
        expectedFrom = first(query, "ExpectedFrom")
        phoneNumberToDial = first(query, "PhoneNumberToDial")
        requestPath = String(target.prefix(while: { $0 != "?" }))
    }

    /// Where the `<Gather>` sends the digits: the same path, marked `step=code`, keeping the
    /// URL's numbers so the next request knows them too (Twilio signs it like the first).
    public var codeStepURL: String { stepURL(.code) }

    /// Where the forwarding `<Dial>` reports how it ended.
    public var dialedStepURL: String { stepURL(.dialed) }

    private func stepURL(_ step: Step) -> String {
        var items = [("step", step.rawValue)]
        if let phoneNumberToDial { items.append(("PhoneNumberToDial", phoneNumberToDial)) }
        if let expectedFrom { items.append(("ExpectedFrom", expectedFrom)) }
        return requestPath + "?" + URLEncoding.encodeForm(items)
    }

    /// A number from the URL. A `+` written unencoded arrives as a space (form decoding), so
    /// ` 15558889999` is read as `+15558889999`: the URL is the owner's, signed by Twilio.
    static func number(_ text: String) -> PhoneNumber? {
        if let number = try? PhoneNumber(e164: text) { return number }
        if text.hasPrefix(" "), let number = try? PhoneNumber(e164: "+" + text.dropFirst()) { return number }
        return nil
    }
}
