/// How long a browser token lives, in seconds. Twilio caps tokens at 24 hours; under a
/// minute the Voice SDK would spend its life refreshing (it renews ~10 s before expiry).
public enum TokenLifetime {
    public static let defaultSeconds = 3600
    public static let allowed = 60...86_400

    /// Why `seconds` cannot be a token lifetime, or nil when it can.
    public static func problem(with seconds: Int) -> String? {
        allowed.contains(seconds) ? nil
            : "token lifetime must be \(allowed.lowerBound)...\(allowed.upperBound) seconds, got \(seconds)"
    }
}
