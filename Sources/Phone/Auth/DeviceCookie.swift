import Glibc

/// OWASP's device cookie ("Slow down online guessing attacks with device cookies"): a browser
/// that has logged in as a user carries `user`, a random nonce and an HMAC of both. Its login
/// attempts for that user are throttled by the nonce, never by the user name, so failures
/// from elsewhere cannot lock the user out of a browser they have used before.
public struct DeviceCookie: Sendable, Equatable {
    public static let name = "shetphone_device"
    /// How long a browser stays known after its last login (180 days).
    public static let maxAgeSeconds = 180 * 24 * 3600

    public let user: String
    /// Random, base64url: the throttle's key for this browser.
    public let nonce: String
}

/// Issues and checks device cookies with a server-side key (`device-cookie.key` in `state_dir`,
/// so known browsers stay known across restarts).
public struct DeviceCookieSigner: Sendable {
    public static let keyFileName = "device-cookie.key"
    private let key: [UInt8]

    public init(key: [UInt8]) {
        self.key = key
    }

    /// A signer with a key that lives as long as the process (tests, the demo).
    public static func ephemeral() -> DeviceCookieSigner {
        DeviceCookieSigner(key: SecureRandom.bytes(32))
    }

    /// The key in `directory/device-cookie.key`, created (0600, `AtomicFile`) when missing.
    /// Called once at startup, never on an event loop.
    public static func load(directory: String) throws -> DeviceCookieSigner {
        let path = AppSettings.join(directory, keyFileName)
        if let text = readTextFile(path, limit: 1024) {
            guard let key = Base64.urlDecode(String(text.split(whereSeparator: \.isWhitespace).first ?? "")), key.count >= 32 else {
                throw FileSystemError(path: path, action: "use the device cookie key (not 32+ bytes of base64url; delete it to make a new one)", errno: EINVAL)
            }
            return DeviceCookieSigner(key: key)
        }
        guard errno == ENOENT else { throw FileSystemError(path: path, action: "read", errno: errno) }
        let key = SecureRandom.bytes(32)
        try AtomicFile.write(Array((Base64.urlEncode(key) + "\n").utf8), to: path, mode: 0o600)
        return DeviceCookieSigner(key: key)
    }

    /// `v1.<user>.<nonce>.<mac>`, user and MAC in base64url: a fresh nonce each time.
    public func issue(user: String) -> String {
        let body = "v1." + Base64.urlEncode(Array(user.utf8)) + "." + Base64.urlEncode(SecureRandom.bytes(16))
        return body + "." + Base64.urlEncode(mac(body))
    }

    /// The cookie's user and nonce when its MAC is ours; nil for anything else.
    public func verify(_ value: String?) -> DeviceCookie? {
        guard let value, value.utf8.count <= 512 else { return nil }
        let parts = value.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "v1", let given = Base64.urlDecode(String(parts[3])) else { return nil }
        let body = parts[0...2].joined(separator: ".")
        guard HMAC.constantTimeEquals(mac(body), given),
              let userBytes = Base64.urlDecode(String(parts[1])),
              let user = String(validating: userBytes, as: UTF8.self) else { return nil }
        return DeviceCookie(user: user, nonce: String(parts[2]))
    }

    private func mac(_ body: String) -> [UInt8] {
        HMAC.sha256(key: key, message: Array(("shetphone device cookie " + body).utf8))
    }
}
