/// A password hash as stored in an `.htpasswd` line, recognised by its format and checked
/// in constant time. Every format Apache's `htpasswd` writes is here, except plain text.
public struct PasswordHash: Sendable, Equatable, CustomStringConvertible {
    /// The formats understood. `crypt` formats go through libxcrypt; the others are computed here.
    public enum Scheme: String, Sendable {
        /// `$2y$`, `$2a$`, `$2b$` (htpasswd -B).
        case bcrypt
        /// `$5$` (htpasswd -2).
        case sha256Crypt
        /// `$6$` (htpasswd -5).
        case sha512Crypt
        /// `$1$`: glibc's MD5-crypt (htpasswd never writes it, but system tools do).
        case md5Crypt
        /// `$y$` / `$gy$`: yescrypt, Debian's default for /etc/shadow.
        case yescrypt
        /// 13 characters: traditional DES crypt (htpasswd -d). Weak, but Apache accepts it.
        case desCrypt
        /// `$apr1$` (htpasswd -m, its default).
        case apacheMD5
        /// `{SHA}` + base64 of an unsalted SHA-1 (htpasswd -s).
        case sha1
    }

    public let scheme: Scheme
    /// The hash exactly as stored.
    public let encoded: String

    /// Recognises `encoded`, or nil for plain text and unknown formats (those are refused:
    /// comparing a stored plain-text password would make the file itself the secret).
    public init?(_ encoded: String) {
        guard let scheme = PasswordHash.scheme(of: encoded) else { return nil }
        self.scheme = scheme
        self.encoded = encoded
    }

    public var description: String { "\(scheme.rawValue) hash" }

    /// The bcrypt cost (`$2y$12$...` -> 12) or SHA-crypt rounds when stated, else nil.
    public var cost: Int? {
        switch scheme {
        case .bcrypt:
            let parts = encoded.split(separator: "$", omittingEmptySubsequences: true)
            return parts.count >= 2 ? Int(parts[1]) : nil
        case .sha256Crypt, .sha512Crypt:
            let parts = encoded.split(separator: "$", omittingEmptySubsequences: true)
            guard parts.count >= 2, parts[1].hasPrefix("rounds=") else { return nil }
            return Int(parts[1].dropFirst("rounds=".count))
        default:
            return nil
        }
    }

    /// What decides how long a check takes: scheme plus cost. Hashes of one family take the same
    /// time to verify, which is what the dummy check for unknown users must match.
    public var family: String { cost.map { "\(scheme.rawValue)/\($0)" } ?? scheme.rawValue }

    /// True when `password` produces this hash. Slow by design for bcrypt and SHA-crypt:
    /// call it on a worker thread, never on an event loop.
    public func verify(_ password: String) -> Bool {
        let phrase = Array(password.utf8)
        let computed: String?
        switch scheme {
        case .bcrypt, .sha256Crypt, .sha512Crypt, .md5Crypt, .yescrypt, .desCrypt:
            computed = LibCrypt.crypt(phrase, setting: encoded)
        case .apacheMD5:
            computed = ApacheMD5.hash(password: phrase, salt: apr1Salt)
        case .sha1:
            computed = "{SHA}" + Base64.encode(MessageDigest.sha1(phrase))
        }
        guard let computed else { return false }
        return HMAC.constantTimeEquals(Array(computed.utf8), Array(encoded.utf8))
    }

    /// A hash of a random password in the same family as `model`: checking a password against it
    /// costs what a real check costs, which hides whether a user name exists.
    /// Roughly how long a check takes on one core, in microseconds: a model to rank families,
    /// not a measurement. bcrypt doubles per cost step (cost 10 is about 60 ms); SHA-crypt runs
    /// `rounds` digests (5000 by default, about 1 µs each); yescrypt's default is memory-hard and
    /// slower than SHA-crypt; MD5-crypt and apr1 run 1000 MD5s; DES crypt and `{SHA}` are fast.
    public var estimatedMicroseconds: Double {
        switch scheme {
        case .bcrypt:
            let cost = min(max(self.cost ?? BcryptHasher.defaultCost, 4), 31)
            return 60_000 * Double(1 << cost) / 1024
        case .sha256Crypt: return Double(min(max(self.cost ?? 5000, 1000), 999_999_999)) * 1.2
        case .sha512Crypt: return Double(min(max(self.cost ?? 5000, 1000), 999_999_999))
        case .yescrypt: return 30_000
        case .md5Crypt, .apacheMD5: return 300
        case .desCrypt: return 10
        case .sha1: return 1
        }
    }

    public static func dummy(like model: PasswordHash?) -> PasswordHash {
        let password = SecureRandom.token(byteCount: 18)
        let made: String?
        switch model?.scheme {
        case .apacheMD5:
            made = ApacheMD5.hash(password: Array(password.utf8), salt: ApacheMD5.randomSalt())
        case .sha1:
            made = "{SHA}" + Base64.encode(MessageDigest.sha1(Array(password.utf8)))
        case .desCrypt:
            let salt = String(decoding: ApacheMD5.randomSalt().prefix(2), as: UTF8.self)
            made = LibCrypt.crypt(Array(password.utf8), setting: salt)
        case .sha256Crypt, .sha512Crypt, .md5Crypt, .yescrypt:
            // Reuse the model's own setting (salt and rounds): only the cost matters here.
            made = model.flatMap { LibCrypt.crypt(Array(password.utf8), setting: $0.encoded) }
        case .bcrypt, nil:
            // A cost past 16 in the file would stall every reload here; it is the admin's typo.
            let cost = min(model?.cost ?? BcryptHasher.defaultCost, 16)
            made = try? BcryptHasher.hash(password, cost: cost)
        }
        if let made, let hash = PasswordHash(made) { return hash }
        // Only reachable if libcrypt lost bcrypt; any valid hash keeps the code path the same.
        let fallback = ApacheMD5.hash(password: Array(password.utf8), salt: ApacheMD5.randomSalt())
        return PasswordHash(scheme: .apacheMD5, encoded: fallback)
    }

    private init(scheme: Scheme, encoded: String) {
        self.scheme = scheme
        self.encoded = encoded
    }

    private var apr1Salt: [UInt8] {
        let rest = encoded.utf8.dropFirst(ApacheMD5.magic.count)
        return Array(rest.prefix { $0 != UInt8(ascii: "$") }.prefix(8))
    }

    private static func scheme(of text: String) -> Scheme? {
        if text.hasPrefix("$2y$") || text.hasPrefix("$2a$") || text.hasPrefix("$2b$") {
            return text.utf8.count == 60 ? .bcrypt : nil
        }
        if text.hasPrefix("$5$") { return .sha256Crypt }
        if text.hasPrefix("$6$") { return .sha512Crypt }
        if text.hasPrefix("$1$") { return .md5Crypt }
        if text.hasPrefix("$y$") || text.hasPrefix("$gy$") { return .yescrypt }
        if text.hasPrefix("$apr1$") {
            // $apr1$ + salt (1-8) + $ + 22 characters.
            let parts = text.utf8.split(separator: UInt8(ascii: "$"), omittingEmptySubsequences: false)
            guard parts.count == 4, (1...8).contains(parts[2].count), parts[3].count == 22 else { return nil }
            return .apacheMD5
        }
        if text.hasPrefix("{SHA}") {
            return text.utf8.count == 5 + 28 ? .sha1 : nil
        }
        if text.utf8.count == 13, text.utf8.allSatisfy({ ApacheMD5.crypt64.contains($0) }) {
            return .desCrypt
        }
        return nil
    }
}
