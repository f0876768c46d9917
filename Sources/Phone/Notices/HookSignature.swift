/// How a hook POST proves it came from this server: the header
/// `X-Shetphone-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
///
/// A receiver recomputes the HMAC over the timestamp, a dot and the raw body with the shared
/// `[hooks] secret`, compares in constant time, and refuses old timestamps (replays).
public struct HookSignature: Sendable, Equatable {
    public static let header = "X-Shetphone-Signature"

    public var timestamp: Int
    public var digest: String

    public init(secret: String, timestamp: Int, body: [UInt8]) {
        self.timestamp = timestamp
        digest = RequestSignature.hex(HMAC.sha256(key: Array(secret.utf8), message: Array("\(timestamp).".utf8) + body))
    }

    public var headerValue: String { "t=\(timestamp),v1=\(digest)" }
}
