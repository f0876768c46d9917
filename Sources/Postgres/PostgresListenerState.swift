/// The lifecycle of a LISTEN connection: connect, listen until the connection breaks, wait a
/// backoff delay, connect again (and LISTEN again), until stopped.
public enum PostgresListenerState: Equatable, Sendable {
    /// Making the connection and sending LISTEN; `backoff` counts the failures since the last
    /// success, `everListened` whether LISTEN was in force before (so events may have been missed).
    case connecting(backoff: PostgresBackoff, everListened: Bool)
    /// LISTEN is in force; notifications arrive.
    case listening
    /// Waiting until `untilMillis` (monotonic) before the next attempt.
    case waiting(untilMillis: UInt64, backoff: PostgresBackoff, everListened: Bool)
    case stopped

    /// What the listener thread does after an input.
    public enum Action: Equatable, Sendable {
        /// Nothing to do now.
        case none
        /// LISTEN is (again) in force: tell the owner, which re-syncs what it may have missed
        /// while no LISTEN was in force when `resync` is true.
        case listening(resync: Bool)
        /// Wait this long, then call `timerFired`.
        case wait(millis: UInt64)
        /// Try to connect now.
        case connect
    }

    public static var initial: PostgresListenerState {
        .connecting(backoff: PostgresBackoff(), everListened: false)
    }

    /// The connection was made and LISTEN ran.
    public mutating func connected() -> Action {
        guard case let .connecting(_, everListened) = self else { return .none }
        self = .listening
        return .listening(resync: everListened)
    }

    /// Connecting, LISTEN or the open connection failed at `nowMillis`.
    public mutating func failed(nowMillis: UInt64) -> Action {
        var backoff: PostgresBackoff
        let everListened: Bool
        switch self {
        case let .connecting(current, listened):
            backoff = current
            everListened = listened
        case .listening:
            backoff = PostgresBackoff()
            everListened = true
        case .waiting, .stopped:
            return .none
        }
        let delay = backoff.nextDelayMillis()
        self = .waiting(untilMillis: nowMillis + delay, backoff: backoff, everListened: everListened)
        return .wait(millis: delay)
    }

    /// Time passed; connects again once the delay is over.
    public mutating func timerFired(nowMillis: UInt64) -> Action {
        guard case let .waiting(until, backoff, everListened) = self else { return .none }
        guard nowMillis >= until else { return .wait(millis: until - nowMillis) }
        self = .connecting(backoff: backoff, everListened: everListened)
        return .connect
    }

    public mutating func stop() { self = .stopped }
}
