/// The TwiML shetphone answers to `POST /voice` for a call to one of its numbers:
/// ring every user's browser through `<Dial><Client>`, each leg reporting progress to
/// `/status`, and come back to `/voice` when the dial ends. Anything else gets the
/// refusal shetphone says. Mirrors `VoiceRouting` byte for byte for these two cases.
public enum IncomingCallTwiML {
    public static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
    public static let unavailableMessage = "We are unable to connect your call at this time."
    static let progressEvents = "initiated ringing answered completed"
    static let hex = Array("0123456789ABCDEF".unicodeScalars)

    /// - Parameters:
    ///   - to: the form's `To`.
    ///   - baseURL: `http://host:port` as the request reached us (shetphone's `publicBaseURL`).
    public static func document(to: String?, table: NumberTable, baseURL: String) -> String {
        guard let to, !to.isEmpty else { return refusal() }
        let users = table.users(answering: to)
        guard !users.isEmpty else { return refusal() }
        let statusURL = baseURL + "/status?number=" + formEncode(to)
        var out = declaration
        out += "<Response><Dial timeout=\"25\" action=\""
        out += XMLText.escape(baseURL + "/voice", inAttribute: true)
        out += "\" method=\"POST\">"
        for user in users {
            out += "<Client statusCallbackEvent=\"" + progressEvents + "\" statusCallback=\""
            out += XMLText.escape(statusURL, inAttribute: true)
            out += "\" statusCallbackMethod=\"POST\">"
            out += XMLText.escape(user, inAttribute: false)
            out += "</Client>"
        }
        out += "</Dial></Response>"
        return out
    }

    static func refusal() -> String {
        declaration + "<Response><Say>" + XMLText.escape(unavailableMessage, inAttribute: false) + "</Say><Hangup/></Response>"
    }

    /// `application/x-www-form-urlencoded` value encoding: unreserved bytes as they are, the rest `%XX`.
    static func formEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(hex[Int(byte >> 4)])
                out.unicodeScalars.append(hex[Int(byte & 0x0F)])
            }
        }
        return out
    }
}
