/// Checks `X-Twilio-Signature` on webhooks: base64(HMAC(key, URL + each parameter's name and
/// value, sorted)). The key is the auth token with HMAC-SHA1 (Twilio's default), or a Webhook
/// Rules shared key with the algorithm `X-Twilio-Webhooks-Signature-Settings` names.
///
/// Twilio does not always sign the URL the way it was configured (with or without the
/// default port), so like Twilio's own validators this accepts either form.
public struct RequestSignature: Sendable {
    public static let headerName = "X-Twilio-Signature"

    /// The hash a signature was made with (`algorithm=` in the signature-settings header).
    public enum Algorithm: String, Sendable, CaseIterable {
        case hmacSHA1 = "HMAC_SHA1"
        case hmacSHA256 = "HMAC_SHA256"
    }

    private let key: [UInt8]
    public let algorithm: Algorithm

    public init(authToken: String) {
        self.init(key: authToken, algorithm: .hmacSHA1)
    }

    public init(key: String, algorithm: Algorithm) {
        self.key = Array(key.utf8)
        self.algorithm = algorithm
    }

    /// The signature Twilio would send for a form POST (or a GET, with no parameters) to `url`.
    public func expected(url: String, parameters: [(String, String)]) -> String {
        expected(url: url, signedParameters: RequestSignature.signedParameterBytes(parameters))
    }

    /// True when `signature` matches `url` and the form parameters, with the URL's port
    /// written out or left off. An empty key never validates anything.
    public func isValid(signature: String, url: String, parameters: [(String, String)]) -> Bool {
        isValid(signature: signature, url: url, signedParameters: RequestSignature.signedParameterBytes(parameters))
    }

    /// As `isValid(signature:url:parameters:)`, with the parameters' part of the signed bytes
    /// already built (`signedParameterBytes`), so several keys cost no second build.
    public func isValid(signature: String, url: String, signedParameters: [UInt8]) -> Bool {
        guard !key.isEmpty, !signature.isEmpty else { return false }
        let given = Array(signature.utf8)
        var valid = false
        // Both forms are always computed and compared, so timing says nothing about which matched.
        for candidate in RequestSignature.urlForms(url) {
            let computed = Array(expected(url: candidate, signedParameters: signedParameters).utf8)
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

    private func expected(url: String, signedParameters: [UInt8]) -> String {
        var message = Array(url.utf8)
        message += signedParameters
        switch algorithm {
        case .hmacSHA1: return Base64.encode(HMAC.sha1(key: key, message: message))
        case .hmacSHA256: return Base64.encode(HMAC.sha256(key: key, message: message))
        }
    }

    /// URL followed by `signedParameterBytes(parameters)`: everything the HMAC covers.
    static func signedBytes(url: String, parameters: [(String, String)]) -> [UInt8] {
        Array(url.utf8) + signedParameterBytes(parameters)
    }

    /// What follows the URL in the signed bytes: each pair as name then value, names in byte
    /// order and a name's values in byte order; a repeated identical pair counts once (the
    /// reference validators sign a set of values per name).
    ///
    /// Sorting the pairs by (name, value) and skipping equal neighbours gives the same bytes
    /// as "sorted names, then each name's sorted set of values", with one sort of indices and
    /// no dictionary or set: the cost is the bytes copied plus the sort of the (bounded) count.
    public static func signedParameterBytes(_ parameters: [(String, String)]) -> [UInt8] {
        var total = 0
        for (name, value) in parameters { total += name.utf8.count + value.utf8.count }
        var out: [UInt8] = []
        out.reserveCapacity(total)
        let order = parameters.indices.sorted { pairPrecedes(parameters[$0], parameters[$1]) }
        var previous: Int?
        for index in order {
            let pair = parameters[index]
            if let previous, sameBytes(parameters[previous], pair) { continue }
            out += pair.0.utf8
            out += pair.1.utf8
            previous = index
        }
        return out
    }

    /// C-style comparison of UTF-8 bytes (the order Twilio documents), name first, then value.
    /// Never Swift's String `<` or `==`, which treat canonically equivalent texts as equal.
    private static func pairPrecedes(_ a: (String, String), _ b: (String, String)) -> Bool {
        if a.0.utf8.elementsEqual(b.0.utf8) { return a.1.utf8.lexicographicallyPrecedes(b.1.utf8) }
        return a.0.utf8.lexicographicallyPrecedes(b.0.utf8)
    }

    private static func sameBytes(_ a: (String, String), _ b: (String, String)) -> Bool {
        a.0.utf8.elementsEqual(b.0.utf8) && a.1.utf8.elementsEqual(b.1.utf8)
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
