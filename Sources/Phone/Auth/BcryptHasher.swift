/// Makes new bcrypt hashes (for `shetphone passwd`), in the `$2y$` form Apache's `htpasswd -B`
/// writes or the `$2b$` form other tools write; both verify the same.
public enum BcryptHasher {
    /// The version tag written in front of the hash; libxcrypt computes both the same way.
    public enum Prefix: String, Sendable {
        case y2 = "$2y$"
        case b2 = "$2b$"
    }

    /// Cost 10 is about 60 ms on one core of a 2020s machine: slow for guessing, fine for logins.
    public static let defaultCost = 10
    /// bcrypt's own range of costs (2^4 to 2^31 rounds).
    public static let costs = 4...31
    /// bcrypt reads only the first 72 bytes; a longer new password is refused rather than
    /// silently cut, so the user knows which part counts.
    public static let maxPasswordBytes = 72

    /// Why no hash was made; each case names the value and the rule.
    public enum HashError: Error, CustomStringConvertible, Equatable {
        case costOutOfRange(Int)
        case passwordTooLong(bytes: Int)
        case passwordHasNUL
        case libcryptFailed(String)

        public var description: String {
            switch self {
            case .costOutOfRange(let cost):
                return "bcrypt cost \(cost) is outside \(BcryptHasher.costs.lowerBound)...\(BcryptHasher.costs.upperBound)"
            case .passwordTooLong(let bytes):
                return "password is \(bytes) bytes; bcrypt uses at most \(BcryptHasher.maxPasswordBytes)"
            case .passwordHasNUL:
                return "password contains a NUL byte, which crypt(3) cannot hash"
            case .libcryptFailed(let what):
                return "libcrypt could not \(what)"
            }
        }
    }

    /// A new `$2y$<cost>$<salt><hash>` for `password`, with a salt from RAND_bytes.
    public static func hash(_ password: String, cost: Int = defaultCost, prefix: Prefix = .y2) throws -> String {
        guard costs.contains(cost) else { throw HashError.costOutOfRange(cost) }
        let phrase = Array(password.utf8)
        guard phrase.count <= maxPasswordBytes else { throw HashError.passwordTooLong(bytes: phrase.count) }
        guard !phrase.contains(0) else { throw HashError.passwordHasNUL }
        guard let setting = LibCrypt.gensalt(prefix: prefix.rawValue, count: cost) else {
            throw HashError.libcryptFailed("make a \(prefix.rawValue) salt with cost \(cost)")
        }
        guard let hash = LibCrypt.crypt(phrase, setting: setting) else {
            throw HashError.libcryptFailed("hash with setting \(setting)")
        }
        return hash
    }
}
