import Logging
import Store

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

/// Issues and checks device cookies with a server-side key kept in the store
/// (`SecretName.deviceCookieKey`): every instance sharing the store signs with the same key, so
/// a browser known to one is known to all, and known browsers stay known across restarts.
public struct DeviceCookieSigner: Sendable {
    /// Where releases before the store's `secrets` table kept the key (`[app] state_dir`).
    public static let keyFileName = "device-cookie.key"
    /// A key is 32 random bytes; a shorter one (a file cut or edited by hand) is refused.
    static let minimumKeyBytes = 32
    private let key: [UInt8]

    public init(key: [UInt8]) {
        self.key = key
    }

    /// A signer with a key that lives as long as the process (tests, the demo).
    public static func ephemeral() -> DeviceCookieSigner {
        DeviceCookieSigner(key: SecureRandom.bytes(minimumKeyBytes))
    }

    /// The store's key, made by the first instance that starts. A `device-cookie.key` in
    /// `directory` is imported once (it becomes the store's key unless another instance stored
    /// one first) and renamed `device-cookie.key.imported`; one that is not a key stops the start
    /// with an error naming it. Called once at startup, never on an event loop (it blocks).
    public static func load(directory: String, secrets: SecretRecords, logger: Logger) throws -> DeviceCookieSigner {
        let file = keyFile(in: directory)
        let fileKey = try readKey(file)
        let key = try secrets.secretNow(named: SecretName.deviceCookieKey,
                                        storingIfAbsent: fileKey ?? SecureRandom.bytes(minimumKeyBytes))
        guard key.count >= minimumKeyBytes else {
            throw ImportedFileError("the store's \(SecretName.deviceCookieKey) is \(key.count) bytes, not \(minimumKeyBytes) or more; "
                + "delete it from the secrets table to make a new one")
        }
        guard let fileKey else { return DeviceCookieSigner(key: key) }
        try file.markImported()
        if fileKey == key {
            logger.notice("login: imported \(file.path) into the store and renamed it \(file.importedPath)")
        } else {
            logger.warning("""
                login: \(file.path) was not imported: the store holds the key another instance imported or made first; \
                browsers known only to this instance log in as new ones once; renamed it \(file.importedPath)
                """)
        }
        return DeviceCookieSigner(key: key)
    }

    /// `device-cookie.key` in `directory` (`[app] state_dir`).
    public static func keyFile(in directory: String) -> ImportedFile {
        ImportedFile(path: AppSettings.join(directory, keyFileName), kind: "a device-cookie key file", maximumBytes: 1024)
    }

    /// The key in `file` (base64url, 32 bytes or more); nil when there is no file.
    static func readKey(_ file: ImportedFile) throws -> [UInt8]? {
        guard let bytes = try file.read() else { return nil }
        let text = String(decoding: bytes, as: UTF8.self)
        guard let key = Base64.urlDecode(String(text.split(whereSeparator: \.isWhitespace).first ?? "")),
              key.count >= minimumKeyBytes else {
            throw ImportedFileError("\(file.path) is not a device-cookie key (\(minimumKeyBytes) or more bytes in base64url); "
                + "delete it to keep the store's key")
        }
        return key
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
