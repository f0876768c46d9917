/// What `/voice` decided, in words a log line can carry.
public enum VoiceOutcome: Sendable, Equatable, CustomStringConvertible {
    case outgoing(user: String, destination: PhoneNumber, callerID: PhoneNumber)
    case incoming(number: PhoneNumber, users: [String])
    case dialEnded(status: String)
    case refused(reason: String)

    public var description: String {
        switch self {
        case let .outgoing(user, destination, callerID): return "outgoing call from \(user) to \(destination) as \(callerID)"
        case let .incoming(number, users): return "incoming call to \(number) rings \(users.joined(separator: ", "))"
        case let .dialEnded(status): return "dial ended: \(status)"
        case let .refused(reason): return "refused: \(reason)"
        }
    }
}
