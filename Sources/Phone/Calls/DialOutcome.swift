/// How a browser's outgoing `<Dial>` ended, as Twilio's `DialCallStatus` says, and the short
/// reason the caller hears (`<Say>`) and reads in the dialer for the endings that need one.
public enum DialOutcome: String, Sendable, CaseIterable {
    case completed
    case answered
    case busy
    case noAnswer = "no-answer"
    case failed
    case canceled

    /// Said to the caller and shown in the dialer; nil when the call simply ended.
    public var reason: String? {
        switch self {
        case .busy: return "the number is busy"
        case .noAnswer: return "there was no answer"
        case .failed: return "the call could not be connected"
        case .completed, .answered, .canceled: return nil
        }
    }
}
