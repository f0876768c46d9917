/// One `Set-Cookie` header (RFC 6265 4.1), validated when made so that a value can never
/// smuggle in an attribute (`; Domain=evil`) or break the header.
public struct SetCookie: Sendable, Equatable {
    public enum SameSite: String, Sendable {
        case strict = "Strict", lax = "Lax", none = "None"
    }

    public let name: String
    public let value: String
    public let path: String?
    public let domain: String?
    /// Seconds; 0 or less deletes the cookie at once.
    public let maxAge: Int?
    /// Unix seconds, for clients that ignore `Max-Age`.
    public let expires: Int?
    public let httpOnly: Bool
    public let secure: Bool
    public let sameSite: SameSite?

    public init(name: String, value: String, path: String? = "/", domain: String? = nil, maxAge: Int? = nil,
                expires: Int? = nil, httpOnly: Bool = true, secure: Bool = false,
                sameSite: SameSite? = .lax) throws {
        guard Cookies.isToken(name) else {
            throw CookieError("name", name, "is not a token (letters, digits and !#$%&'*+-.^_`|~ only)")
        }
        guard value.utf8.allSatisfy(Cookies.isValueByte) else {
            throw CookieError("value", value, "has a control character, space, quote, comma, semicolon or backslash")
        }
        for (field, text) in [("path", path), ("domain", domain)] {
            if let text, text.isEmpty || !text.utf8.allSatisfy({ $0 >= 0x21 && $0 < 0x7F && $0 != UInt8(ascii: ";") }) {
                throw CookieError(field, text, "must be non-empty visible ASCII without ';'")
            }
        }
        if sameSite == SameSite.none && !secure {
            throw CookieError("SameSite", "None", "requires Secure (browsers drop it otherwise)")
        }
        self.name = name
        self.value = value
        self.path = path
        self.domain = domain
        self.maxAge = maxAge
        self.expires = expires
        self.httpOnly = httpOnly
        self.secure = secure
        self.sameSite = sameSite
    }

    /// A cookie that makes the browser forget `name` (same path and domain as when it was set).
    public static func removal(name: String, path: String? = "/", domain: String? = nil, secure: Bool = false,
                               sameSite: SameSite? = .lax) throws -> SetCookie {
        try SetCookie(name: name, value: "", path: path, domain: domain, maxAge: 0, expires: 0, secure: secure,
                      sameSite: sameSite)
    }

    /// The header value: `sid=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax`.
    public var headerValue: String {
        var out = name + "=" + value
        if let path { out += "; Path=" + path }
        if let domain { out += "; Domain=" + domain }
        if let maxAge { out += "; Max-Age=\(max(0, maxAge))" }
        if let expires { out += "; Expires=" + HTTPDate.format(epochSeconds: max(0, expires)) }
        if secure { out += "; Secure" }
        if httpOnly { out += "; HttpOnly" }
        if let sameSite { out += "; SameSite=" + sameSite.rawValue }
        return out
    }
}

extension Response {
    /// Adds a `Set-Cookie` field (several may be set on one response).
    public mutating func setCookie(_ cookie: SetCookie) {
        headers.add("Set-Cookie", cookie.headerValue)
    }
}
