import Glibc

/// Why an `.htpasswd` file could not be read or written; each case names the file and the rule.
public enum HtpasswdError: Error, Equatable, CustomStringConvertible {
    case system(path: String, action: String, errno: Int32)
    case notRegularFile(path: String)
    case tooLarge(path: String, bytes: Int, limit: Int)
    case badUser(String, rule: String)
    case badHash(user: String, rule: String)

    public var description: String {
        switch self {
        case .system(let path, let action, let code):
            return "\(path): cannot \(action): \(String(cString: strerror(code)))"
        case .notRegularFile(let path):
            return "\(path): is not a regular file"
        case .tooLarge(let path, let bytes, let limit):
            return "\(path): is \(bytes) bytes; an htpasswd file may be at most \(limit)"
        case .badUser(let user, let rule):
            return "user name \(user.debugDescription) \(rule)"
        case .badHash(let user, let rule):
            return "hash for user \(user.debugDescription) \(rule)"
        }
    }
}
