/// How often and how patiently a request is tried again: exponential backoff from `baseDelayMillis`,
/// doubling per try up to `maxDelayMillis`; a server's `Retry-After` is honoured within that cap.
public struct RetryPolicy: Sendable, Equatable {
    /// Tries in all, the first included (1: never retried).
    public var attempts: Int
    public var baseDelayMillis: Int
    public var maxDelayMillis: Int

    public init(attempts: Int, baseDelayMillis: Int = 500, maxDelayMillis: Int = 8_000) {
        self.attempts = max(1, attempts)
        self.baseDelayMillis = max(0, baseDelayMillis)
        self.maxDelayMillis = max(self.baseDelayMillis, maxDelayMillis)
    }

    /// Three tries, 0.5 s then 1 s apart.
    public static let standard = RetryPolicy(attempts: 3)
    public static let never = RetryPolicy(attempts: 1)

    /// Milliseconds to wait before try number `attempt` (2 for the first retry).
    public func delayMillis(beforeAttempt attempt: Int, retryAfterSeconds: Int? = nil) -> Int {
        let doublings = min(max(0, attempt - 2), 20)
        let backoff = min(maxDelayMillis, baseDelayMillis << doublings)
        guard let retryAfterSeconds, retryAfterSeconds > 0 else { return backoff }
        return min(maxDelayMillis, max(backoff, retryAfterSeconds * 1000))
    }

    /// Whether a finished try deserves another: 429 always; 5xx and transient failures only when
    /// sending again does no harm. Nothing is retried once part of a body went to the caller.
    public func shouldRetry(afterAttempt attempt: Int, status: Int?, error: OutboundError?, safeToRepeat: Bool,
                            bodyDelivered: Bool = false) -> Bool {
        guard attempt < attempts, !bodyDelivered else { return false }
        if let error { return safeToRepeat && error.isTransient }
        guard let status else { return false }
        if status == 429 { return true }
        return safeToRepeat && (500...599).contains(status) && status != 501
    }

    /// `Retry-After` in seconds (the delta form; an HTTP date is ignored and backoff used).
    public static func retryAfterSeconds(_ value: String?) -> Int? {
        guard let value, let seconds = Int(value.trimmingSpaces()), seconds >= 0 else { return nil }
        return seconds
    }
}

extension String {
    /// Without leading and trailing spaces, tabs, CR and LF (by bytes: `"\r\n"` is one `Character`).
    func trimmingSpaces() -> String {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 || $0 == 0x0D || $0 == 0x0A }
        var bytes = Substring(self).utf8[...]
        while let first = bytes.first, isSpace(first) { bytes = bytes.dropFirst() }
        while let last = bytes.last, isSpace(last) { bytes = bytes.dropLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}
