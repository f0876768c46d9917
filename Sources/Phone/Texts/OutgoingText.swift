/// A text a user asked to send (`POST /api/messages` `{"to","from"?,"body"}`), checked: the
/// recipient in E.164 and allowed (`allowed_countries`, premium ranges), the sender one of the
/// user's numbers (default: the one in the recipient's country, as for caller ID), a body of
/// 1...1,600 characters.
public struct OutgoingText: Sendable, Equatable {
    public var from: PhoneNumber
    public var to: PhoneNumber
    public var body: String

    public init(json: JSON, user: String, plan: NumberPlan) throws {
        guard case .object = json else { throw TextRefusal("the body must be a JSON object {\"to\",\"body\"}") }
        guard let to = json["to"]?.stringValue, !to.isEmpty else { throw TextRefusal("to: missing") }
        guard to.count <= TextRules.maxAddressLength, to.hasPrefix("+") else {
            throw TextRefusal("to: \(JSON.quoted(String(to.prefix(40)))) is not an E.164 number (+ and country code)")
        }
        let recipient: PhoneNumber
        do { recipient = try PhoneNumber(e164: to) } catch { throw TextRefusal("to: \(error)") }
        switch plan.refusal(forCallTo: recipient) {
        case nil: break
        case .country(let region):
            throw TextRefusal("to: texts to \(region ?? "that number") are not allowed (allowed_countries)")
        case .costly(let kind):
            throw TextRefusal("to: texts to \(kind.rawValue) numbers are not allowed (allow_premium)")
        }
        let body = json["body"]?.stringValue ?? ""
        guard !body.isEmpty else { throw TextRefusal("body: empty (a text needs words)") }
        guard body.unicodeScalars.count <= TextRules.maxBodyCharacters else {
            throw TextRefusal("body: longer than \(TextRules.maxBodyCharacters) characters")
        }
        let numbers = plan.numbers(of: user)
        let sender: PhoneNumber
        if let from = json["from"]?.stringValue, !from.isEmpty {
            guard let chosen = numbers.first(where: { $0.e164 == from }) else {
                throw TextRefusal("from: \(JSON.quoted(String(from.prefix(40)))) is not one of your numbers")
            }
            sender = chosen
        } else {
            guard let chosen = CallerIDSelector.select(from: numbers, for: recipient) else {
                throw TextRefusal("you have no number to send from")
            }
            sender = chosen
        }
        from = sender
        self.to = recipient
        self.body = body
    }
}
