/// How a call ended, as the history shows it.
public enum CallOutcome: String, Sendable, Equatable, CaseIterable {
    /// Somebody answered.
    case completed
    /// An incoming call nobody answered.
    case missed
    /// An outgoing call the other side did not answer.
    case noAnswer = "no-answer"
    /// The other side was busy.
    case busy
    /// Twilio could not place the call.
    case failed
    /// The caller hung up before anybody answered.
    case canceled
    /// Every browser that rang declined the call.
    case rejected
}

/// Who started the call, as the history shows it.
public enum CallDirection: String, Sendable, Equatable {
    /// From outside to one of our numbers.
    case incoming
    /// From a browser to the outside.
    case outgoing
    /// The building's intercom calling.
    case intercom
}
