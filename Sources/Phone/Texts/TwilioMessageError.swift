/// Twilio's messaging error codes in words, for the dialer and the log.
public enum TwilioMessageError {
    public static func words(_ code: Int) -> String? {
        switch code {
        case 21211: return "the recipient is not a valid phone number"
        case 21408: return "texts to that country are not enabled on the Twilio account"
        case 21610: return "the recipient replied STOP and receives no texts from this number"
        case 21614: return "the recipient is not a mobile number"
        case 30003: return "the recipient's phone is unreachable (switched off or out of coverage)"
        case 30004: return "the message was blocked by the recipient or their carrier"
        case 30005: return "the recipient's number is unknown or no longer exists"
        case 30006: return "the recipient is a landline or cannot receive texts"
        case 30007: return "the carrier filtered the message (spam or content rules)"
        case 30008: return "the message could not be delivered (unknown error from the carrier)"
        default: return nil
        }
    }

    /// The words, or a plain mention of the code.
    public static func describe(_ code: Int) -> String {
        words(code) ?? "Twilio error \(code)"
    }
}
