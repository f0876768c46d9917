/// Checks `X-Twilio-Signature` on webhooks: base64(HMAC-SHA1(auth token, URL + each POST
/// parameter's name and value, sorted by name)).
///
/// Twilio does not always sign the URL the way it was configured (with or without the
/// default port), so like Twilio's own validators this accepts either form.
public struct RequestSignature: Sendable {
    public static let headerName = "X-Twilio-Signature"

    private let key: [UInt8]

    public init(authToken: String) {
        key = Array(authToken.utf8)
    }

    /// The signature Twilio would send for a form POST (or a GET, with no parameters) to `url`.
    public func expected(url: String, parameters: [(String, String)]) -> String {
        Base64.encode(HMAC.sha1(key: key, message: RequestSignature.signedBytes(url: url, parameters: parameters)))
    }

    /// True when `signature` matches `url` and the form parameters, with the URL's port
    /// written out or left off. An empty auth token never validates anything.
    public func isValid(signature: String, url: String, parameters: [(String, String)]) -> Bool {
        guard !key.isEmpty, !signature.isEmpty else { return false }
        let given = Array(signature.utf8)
        var valid = false
        // Both forms are always computed and compared, so timing says nothing about which matched.
        for candidate in RequestSignature.urlForms(url) {
            let computed = Array(expected(url: candidate, parameters: parameters).utf8)
            if HMAC.constantTimeEquals(computed, given) { valid = true }
        }
        return valid
    }

    /// For webhooks with a JSON body: Twilio adds `bodySHA256=<hex>` to the URL and signs
    /// the URL alone. Valid when the URL's signature and the body's hash both match.
    public func isValid(signature: String, url: String, body: [UInt8]) -> Bool {
        guard let hash = RequestSignature.queryValue("bodySHA256", in: url) else { return false }
        let computed = Array(RequestSignature.hex(HMAC.sha256Digest(body)).utf8)
        let bodyMatches = HMAC.constantTimeEquals(computed, Array(hash.lowercased().utf8))
        let urlMatches = isValid(signature: signature, url: url, parameters: [])
        return bodyMatches && urlMatches
    }

    /// URL, then names in byte order each followed by its values in byte order; a repeated
    /// identical pair counts once (the reference validators sign a set of values).
    static func signedBytes(url: String, parameters: [(String, String)]) -> [UInt8] {
        var valuesByName: [String: [String]] = [:]
        for (name, value) in parameters { valuesByName[name, default: []].append(value) }
        var out = Array(url.utf8)
        for name in valuesByName.keys.sorted(by: byteOrder) {
            let values = Set(valuesByName[name] ?? []).sorted(by: byteOrder)
            for value in values {
                out += Array(name.utf8)
                out += Array(value.utf8)
            }
        }
        return out
    }

    /// C-style comparison of UTF-8 bytes (the order Twilio documents), not Swift's
    /// Unicode-aware String ordering.
    private static func byteOrder(_ a: String, _ b: String) -> Bool {
        a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// `url` with the port removed and with the scheme's default port added, as
    /// twilio-python's `RequestValidator` does (`remove_port` / `add_port`).
    static func urlForms(_ url: String) -> [String] {
        guard let schemeEnd = url.firstRange(of: "://") else { return [url] }
        let scheme = url[url.startIndex..<schemeEnd.lowerBound].lowercased()
        let afterScheme = url[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(where: { $0 == "/" || $0 == "?" || $0 == "#" }) ?? afterScheme.endIndex
        let authority = afterScheme[afterScheme.startIndex..<authorityEnd]
        let rest = afterScheme[authorityEnd...]
        let prefix = url[url.startIndex..<schemeEnd.upperBound]

        // userinfo@host:port, where host may be a bracketed IPv6 literal.
        let userInfoEnd = authority.lastIndex(of: "@").map { authority.index(after: $0) } ?? authority.startIndex
        let userInfo = authority[authority.startIndex..<userInfoEnd]
        let hostPort = authority[userInfoEnd...]
        var host = hostPort
        var hasPort = false
        if let colon = hostPort.lastIndex(of: ":"), !hostPort[colon...].contains("]") {
            host = hostPort[hostPort.startIndex..<colon]
            hasPort = hostPort.index(after: colon) < hostPort.endIndex
        }
        let withoutPort = prefix + userInfo + host + rest
        if hasPort {
            return [String(withoutPort), url]
        }
        let defaultPort = scheme == "https" ? "443" : "80"
        let withPort = prefix + userInfo + host + ":" + defaultPort + rest
        return [String(withoutPort), String(withPort)]
    }

    /// The raw value of `name` in the URL's query (hex digests need no decoding).
    static func queryValue(_ name: String, in url: String) -> String? {
        guard let questionMark = url.firstIndex(of: "?") else { return nil }
        let query = url[url.index(after: questionMark)...].prefix(while: { $0 != "#" })
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2, parts[0] == name { return String(parts[1]) }
        }
        return nil
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var out = ""
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return out
    }
}
