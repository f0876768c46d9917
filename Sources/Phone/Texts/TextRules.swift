import Store

/// What an incoming or outgoing text may be: the limits and checks both directions share.
public enum TextRules {
    /// Twilio's longest message body (1,600 characters).
    public static let maxBodyCharacters = 1600
    /// Twilio sends at most 10 media per MMS.
    public static let maxMedia = 10
    /// Longest sender or recipient Twilio gives (E.164, short codes and sender names are far shorter).
    public static let maxAddressLength = 64
    public static let maxMediaURLLength = 512

    /// An incoming text from a `POST /sms` form, or the reason it is refused (nothing is stored then).
    public static func incoming(_ form: [(String, String)], plan: NumberPlan, now: Int) -> Result<TextMessage, TextRefusal> {
        func value(_ name: String) -> String { form.first { $0.0 == name }?.1 ?? "" }
        let sid = value("MessageSid")
        guard TwilioAPI.isSID(sid, prefix: "SM") || TwilioAPI.isSID(sid, prefix: "MM") else {
            return .failure(TextRefusal("MessageSid \(JSON.quoted(String(sid.prefix(40)))) is not a Twilio message SID"))
        }
        let to = value("To")
        guard let number = try? PhoneNumber(e164: to), plan.isOurs(number) else {
            return .failure(TextRefusal("To \(JSON.quoted(String(to.prefix(40)))) is not one of our numbers"))
        }
        let from = value("From")
        guard !from.isEmpty, from.count <= maxAddressLength, !from.contains(",") else {
            return .failure(TextRefusal("From \(JSON.quoted(String(from.prefix(40)))) is not a sender"))
        }
        let body = value("Body")
        guard body.unicodeScalars.count <= maxBodyCharacters else {
            return .failure(TextRefusal("Body is longer than \(maxBodyCharacters) characters"))
        }
        let count = value("NumMedia").isEmpty ? 0 : Int(value("NumMedia")) ?? -1
        guard (0...maxMedia).contains(count) else {
            return .failure(TextRefusal("NumMedia must be 0...\(maxMedia)"))
        }
        var media: [TextMedia] = []
        for index in 0..<count {
            let url = value("MediaUrl\(index)")
            let type = value("MediaContentType\(index)")
            guard url.hasPrefix("https://"), url.count <= maxMediaURLLength, isPlain(url) else {
                return .failure(TextRefusal("MediaUrl\(index) is not an https URL"))
            }
            guard !type.isEmpty, type.count <= 100, isPlain(type) else {
                return .failure(TextRefusal("MediaContentType\(index) is not a media type"))
            }
            media.append(TextMedia(url: url, contentType: type))
        }
        return .success(TextMessage(sid: sid, number: number.e164, party: from, direction: .incoming, body: body,
                                    media: media, status: "received", createdAt: now))
    }

    /// No spaces, line breaks or other controls (media are stored one `type url` per line).
    static func isPlain(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }
}

/// Why a text was refused, in words for the log and the answer.
public struct TextRefusal: Error, Equatable, CustomStringConvertible {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
