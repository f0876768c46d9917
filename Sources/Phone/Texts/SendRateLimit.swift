import Web

/// At most `perMinute` texts per user in any 60 seconds (a sliding window of send times).
final class SendRateLimit: @unchecked Sendable {
    let perMinute: Int
    private let clock: @Sendable () -> UInt64
    private let lock = Mutex()
    private var sent: [String: [UInt64]] = [:]

    init(perMinute: Int, clock: @escaping @Sendable () -> UInt64 = { monotonicMillis() }) {
        self.perMinute = perMinute
        self.clock = clock
    }

    /// Takes one send for `user`; nil when allowed, else the seconds until one is free.
    func take(_ user: String) -> Int? {
        let now = clock()
        return lock.withLock {
            var times = sent[user, default: []].filter { now < $0 + 60_000 }
            if times.count >= perMinute, let oldest = times.first {
                sent[user] = times
                return Int((oldest + 60_000 - now + 999) / 1000)
            }
            times.append(now)
            sent[user] = times
            // Users who stopped sending leave the table (it holds at most the users of the last minute).
            if sent.count > 1000 { sent = sent.filter { $0.value.contains { now < $0 + 60_000 } } }
            return nil
        }
    }
}
