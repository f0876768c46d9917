/// The one mapping from a user name (anything `.htpasswd` allows: `anna-lena`, `j.smith`,
/// `eve@example.com`) to the client identity Twilio's Voice JavaScript SDK 2.x accepts:
/// ASCII letters, digits and `_`, at most 121 characters. Tokens, `<Client>`, the
/// `client:` addresses in webhooks and status callbacks all go through here.
///
/// The mapping is reversible and collision-free: letters and digits stay, `_` becomes `__`,
/// every other UTF-8 byte becomes `_` and two upper-case hex digits (`j.smith` -> `j_2Esmith`).
/// A name whose mapping would be longer than 121 characters keeps its first whole escapes
/// and ends in `_z` and 32 hex digits of its SHA-256; `_z` never occurs in the short form,
/// and `NumberPlan` refuses two users whose identities would be equal.
public enum ClientIdentity {
    /// The Voice SDK's limit.
    public static let maximumLength = 121
    /// Hex digits of SHA-256 a shortened identity ends with.
    static let digestLength = 32

    /// The identity `user`'s browser registers as and is rung at.
    public static func of(_ user: String) -> String {
        let units = escapeUnits(user)
        let full = units.joined()
        guard full.utf8.count > maximumLength else { return full }
        var prefix = ""
        let room = maximumLength - 2 - digestLength
        for unit in units {
            if prefix.utf8.count + unit.utf8.count > room { break }
            prefix += unit
        }
        let digest = HMAC.sha256Digest(Array(user.utf8)).prefix(digestLength / 2)
        return prefix + "_z" + digest.map(hexByte).joined()
    }

    /// The user name whose identity is `identity`: decoded when short, else nil (a shortened
    /// identity is found by `NumberPlan`, which knows the names). Nil for anything not made by `of`.
    public static func decode(_ identity: String) -> String? {
        guard isValid(identity) else { return nil }
        var bytes: [UInt8] = []
        var input = Array(identity.utf8)[...]
        while let byte = input.popFirst() {
            guard byte == UInt8(ascii: "_") else {
                bytes.append(byte)
                continue
            }
            guard let next = input.popFirst() else { return nil }
            if next == UInt8(ascii: "_") {
                bytes.append(next)
                continue
            }
            guard let low = input.popFirst(), let high = hexValue(next), let value = hexValue(low) else { return nil }
            bytes.append(high << 4 | value)
        }
        guard let name = String(validating: bytes, as: UTF8.self), of(name) == identity else { return nil }
        return name
    }

    /// The SDK's rule: 1 to 121 ASCII letters, digits or `_`.
    public static func isValid(_ identity: String) -> Bool {
        !identity.isEmpty && identity.utf8.count <= maximumLength && identity.utf8.allSatisfy(isPlain)
    }

    /// Why `name` cannot be a user of the phone, or nil: it must be a single word of printable characters.
    public static func problem(withUserName name: String) -> String? {
        if name.isEmpty { return "a user name cannot be empty" }
        for scalar in name.unicodeScalars
        where scalar.value < 0x21 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) || scalar.properties.isWhitespace {
            return "a user name cannot contain spaces or control characters"
        }
        return nil
    }

    /// `j.smith -> j_2Esmith, ...` for the names among `users` that are not their own
    /// identity (at most `limit` of them, then how many more), or nil when every name is.
    public static func renamings(_ users: [String], limit: Int = 10) -> String? {
        let renamed = users.sorted().compactMap { user in of(user) == user ? nil : "\(user) -> \(of(user))" }
        guard !renamed.isEmpty else { return nil }
        let more = renamed.count > limit ? " and \(renamed.count - limit) more" : ""
        return renamed.prefix(limit).joined(separator: ", ") + more
    }

    private static func escapeUnits(_ user: String) -> [String] {
        user.utf8.map { byte in
            if byte == UInt8(ascii: "_") { return "__" }
            if isPlain(byte) { return String(UnicodeScalar(byte)) }
            return "_" + hexByte(byte)
        }
    }

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"):
            return true
        default:
            return false
        }
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    private static func hexByte(_ byte: UInt8) -> String {
        String(decoding: [hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xF)]], as: UTF8.self)
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
