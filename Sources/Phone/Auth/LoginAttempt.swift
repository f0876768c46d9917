import Web

/// The two answers a login waits for, asked at the same time so neither waits on the other:
/// the shared throttle's counts (a store read) and the password check (a worker). Whichever
/// arrives second runs `finish`, once.
final class LoginAttempt: @unchecked Sendable {
    private let lock = Mutex()
    private var throttle: LoginThrottle.Decision?
    private var passwordOK: Bool?
    private let finish: @Sendable (LoginThrottle.Decision, Bool) -> Void

    init(finish: @escaping @Sendable (_ throttle: LoginThrottle.Decision, _ passwordOK: Bool) -> Void) {
        self.finish = finish
    }

    func throttled(_ decision: LoginThrottle.Decision) {
        let both = lock.withLock { () -> (LoginThrottle.Decision, Bool)? in
            throttle = decision
            return passwordOK.map { (decision, $0) }
        }
        if let both { finish(both.0, both.1) }
    }

    func checked(passwordOK ok: Bool) {
        let both = lock.withLock { () -> (LoginThrottle.Decision, Bool)? in
            passwordOK = ok
            return throttle.map { ($0, ok) }
        }
        if let both { finish(both.0, both.1) }
    }
}
