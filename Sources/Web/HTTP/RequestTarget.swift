/// Splits a request-target into its decoded path and raw query (RFC 9112 3.2).
enum RequestTarget {
    /// Returns (decoded path, raw query) or an error naming what was wrong.
    static func split(_ target: String) throws -> (path: String, query: String) {
        if isPlainPath(target) { return (target, "") }
        var rest = Substring(target)
        if target.hasPrefix("http://") || target.hasPrefix("https://") {
            // absolute-form: drop scheme and authority, keep the path.
            rest = rest.drop(while: { $0 != ":" }).dropFirst(3)
            rest = rest.drop(while: { $0 != "/" && $0 != "?" })
            if rest.isEmpty || rest.first == "?" { rest = "/" + rest }
        } else if target == "*" {
            return ("*", "")
        }
        var rawPath = rest
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            rawPath = rest[..<mark]
            query = rest[rest.index(after: mark)...]
        }
        if let hash = query.firstIndex(of: "#") { query = query[..<hash] }
        if let hash = rawPath.firstIndex(of: "#") { rawPath = rawPath[..<hash] }
        return (try decodePath(rawPath), String(query))
    }

    /// An origin-form target with no query, fragment or escape (`/js/main.js`): it is its own
    /// path, shared rather than copied (most requests).
    private static func isPlainPath(_ target: String) -> Bool {
        var target = target
        return target.withUTF8 { bytes in
            guard bytes.first == UInt8(ascii: "/") else { return false }
            for byte in bytes where byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#") || byte == UInt8(ascii: "%") {
                return false
            }
            return true
        }
    }

    /// Percent-decodes a path. Bad escapes, NUL and invalid UTF-8 are errors, never guessed at.
    static func decodePath(_ raw: Substring) throws -> String {
        if !raw.utf8.contains(UInt8(ascii: "%")) { return String(raw) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(raw.utf8.count)
        var iterator = raw.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(HTTPRequestParser.hexValue),
                      let low = iterator.next().flatMap(HTTPRequestParser.hexValue) else {
                    throw HTTPError(.badRequest, "bad percent-escape in request path")
                }
                let decoded = UInt8(high << 4 | low)
                guard decoded != 0 else { throw HTTPError(.badRequest, "NUL byte in request path") }
                bytes.append(decoded)
            } else {
                bytes.append(byte)
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw HTTPError(.badRequest, "request path is not valid UTF-8 after percent-decoding")
        }
        return text
    }
}

extension RequestOrigin {
    /// `host` is the request's `Host`, which the head parser found: an untrusted peer's origin
    /// needs nothing else from the fields, and they are not scanned again.
    init(peerAddress: String, peerIsTrustedProxy: Bool, host: String?, headers: HTTPHeaders, proxies: TrustedProxies) {
        guard peerIsTrustedProxy else {
            self.init(peerAddress: peerAddress, peerIsTrustedProxy: false, host: host)
            return
        }
        self.init(peerAddress: peerAddress, peerIsTrustedProxy: true, headers: headers, proxies: proxies)
    }

    /// Applies the trusted-proxy rule to a request's headers.
    init(peerAddress: String, peerIsTrustedProxy: Bool, headers: HTTPHeaders, proxies: TrustedProxies) {
        // Worked out in locals and stored once at the end (mutating `self` here copied it twice).
        var host: String?
        var clientAddress = peerAddress
        var scheme = "http"
        // One pass over the fields, comparing names only when their length fits: the first Host,
        // the last X-Forwarded-For (the hop our proxy added), the first X-Forwarded-Proto and -Host.
        var forwardedFor: String?
        var forwardedProto: String?
        var forwardedHostField: String?
        for field in headers.fields {
            switch field.name.utf8.count {
            case 4 where host == nil && asciiCaseInsensitiveEquals(field.name, "Host"):
                host = field.value
            case 15 where peerIsTrustedProxy && asciiCaseInsensitiveEquals(field.name, "X-Forwarded-For"):
                forwardedFor = field.value
            case 16 where peerIsTrustedProxy && forwardedHostField == nil
                && asciiCaseInsensitiveEquals(field.name, "X-Forwarded-Host"):
                forwardedHostField = field.value
            case 17 where peerIsTrustedProxy && forwardedProto == nil
                && asciiCaseInsensitiveEquals(field.name, "X-Forwarded-Proto"):
                forwardedProto = field.value
            default:
                break
            }
        }
        guard peerIsTrustedProxy else {
            self.init(peerAddress: peerAddress, peerIsTrustedProxy: false, host: host)
            return
        }
        if let forwarded = forwardedFor {
            // Walk from the right: the first hop that is not one of our proxies is the client.
            let hops = forwarded.split(separator: ",").map { String($0.trimmingASCIISpaces()) }.filter { !$0.isEmpty }
            var client: String?
            for hop in hops.reversed() {
                guard IPAddress.parse(hop) != nil else { break }
                client = hop
                if !proxies.contains(hop) { break }
            }
            if let client { clientAddress = client }
        }
        if let proto = forwardedProto?.split(separator: ",").first?.trimmingASCIISpaces().lowercased(),
           proto == "https" || proto == "http" {
            scheme = proto
        }
        if let forwardedHost = forwardedHostField?.split(separator: ",").first?.trimmingASCIISpaces(),
           !forwardedHost.isEmpty, forwardedHost.utf8.count <= 255,
           forwardedHost.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: "@") }) {
            host = String(forwardedHost)
        }
        self.init(peerAddress: peerAddress, peerIsTrustedProxy: true, clientAddress: clientAddress, scheme: scheme,
                  host: host)
    }
}
