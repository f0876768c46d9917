/// The users of one `.htpasswd` text, as Apache reads it: `user:hash` lines, `#` comments and
/// blank lines, CRLF or LF, trailing blanks ignored. A bad line is reported and skipped; the rest
/// still counts, so one typo does not lock everybody out.
public struct HtpasswdContents: Sendable {
    /// One line that was skipped, with its 1-based number and the rule it broke.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public private(set) var hashes: [String: PasswordHash] = [:]
    public private(set) var problems: [Problem] = []
    /// A hash of the slowest family in the file (`bcrypt/12` beside `apr1`): unknown user names
    /// are checked against a dummy of this family, and a failed check of a faster hash is padded
    /// with one, so no failure answers sooner than the slowest hash would (no user enumeration).
    public private(set) var slowestHash: PasswordHash?

    /// Apache's own limit on user names.
    public static let maxUserBytes = 255

    public init() {}

    public init(text: String) {
        self.init(bytes: Array(text.utf8))
    }

    public init(bytes: [UInt8]) {
        var firstLine: [String: Int] = [:]
        var number = 0
        // Split on bytes: in Swift "\r\n" is one Character and would not split on "\n".
        for rawLine in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            number += 1
            var lineBytes = rawLine[...]
            if number == 1, lineBytes.starts(with: [0xEF, 0xBB, 0xBF]) { lineBytes = lineBytes.dropFirst(3) }
            while let last = lineBytes.last, last == 0x0D || last == 0x20 || last == 0x09 { lineBytes = lineBytes.dropLast() }
            while let first = lineBytes.first, first == 0x20 || first == 0x09 { lineBytes = lineBytes.dropFirst() }
            let line = String(decoding: lineBytes, as: UTF8.self)
            if line.isEmpty || line.hasPrefix("#") { continue }

            guard let colon = line.firstIndex(of: ":") else {
                problems.append(Problem(line: number, message: "no ':' between user name and hash"))
                continue
            }
            let user = String(line[..<colon])
            // Apache ignores anything after a second ':' (old files kept a comment there).
            let hashText = line[line.index(after: colon)...].prefix { $0 != ":" }
            if let rule = HtpasswdContents.ruleBroken(byUser: user) {
                problems.append(Problem(line: number, message: "user name \(user.debugDescription) \(rule)"))
                continue
            }
            if hashText.isEmpty {
                problems.append(Problem(line: number, message: "user \(user.debugDescription) has no password hash"))
                continue
            }
            guard let hash = PasswordHash(String(hashText)) else {
                problems.append(Problem(line: number, message: "user \(user.debugDescription) has a plain-text or "
                    + "unknown password hash; refused (make one with htpasswd -B or shetphone passwd)"))
                continue
            }
            if let earlier = firstLine[user] {
                problems.append(Problem(line: number, message: "user \(user.debugDescription) is already on line "
                    + "\(earlier); the first one counts, as in Apache"))
                continue
            }
            firstLine[user] = number
            hashes[user] = hash
            // On a tie the one seen first, so the choice is stable across reloads.
            if hash.estimatedMicroseconds > slowestHash?.estimatedMicroseconds ?? -1 { slowestHash = hash }
        }
    }

    /// Why `user` cannot be an htpasswd user name, or nil when it can.
    public static func ruleBroken(byUser user: String) -> String? {
        if user.isEmpty { return "is empty" }
        if user.utf8.count > maxUserBytes { return "is longer than \(maxUserBytes) bytes" }
        if user.contains(":") { return "contains ':'" }
        for scalar in user.unicodeScalars {
            if scalar.properties.generalCategory == .control || scalar.properties.isWhitespace {
                return "contains a control or whitespace character"
            }
        }
        return nil
    }
}
