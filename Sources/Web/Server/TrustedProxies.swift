import Glibc

/// The addresses whose `X-Forwarded-*` headers are believed: single IPs or CIDR ranges, v4 or v6.
public struct TrustedProxies: Sendable, Equatable {
    struct Range: Sendable, Equatable {
        var bytes: [UInt8]
        var prefix: Int
    }

    var ranges: [Range] = []

    public init() {}

    /// Parses entries like `127.0.0.1`, `10.0.0.0/8`, `::1`, `fd00::/8`.
    public init(_ entries: [String]) throws {
        for entry in entries {
            let parts = entry.split(separator: "/", maxSplits: 1)
            guard let address = parts.first, let bytes = IPAddress.parse(String(address)) else {
                throw ConfigurationError("trusted proxy \"\(entry)\" is not an IP address or CIDR range")
            }
            var prefix = bytes.count * 8
            if parts.count == 2 {
                guard let p = Int(parts[1]), p >= 0, p <= bytes.count * 8 else {
                    throw ConfigurationError("trusted proxy \"\(entry)\" has a bad prefix length")
                }
                prefix = p
            }
            ranges.append(Range(bytes: bytes, prefix: prefix))
        }
    }

    public var isEmpty: Bool { ranges.isEmpty }

    public func contains(_ address: String) -> Bool {
        guard !ranges.isEmpty, let bytes = IPAddress.parse(address) else { return false }
        for range in ranges {
            var candidate = bytes
            // An IPv4-mapped IPv6 peer (::ffff:a.b.c.d) matches IPv4 ranges.
            if range.bytes.count == 4 && candidate.count == 16 && candidate[0..<12] == IPAddress.v4MappedPrefix[...] {
                candidate = Array(candidate[12...])
            }
            guard candidate.count == range.bytes.count else { continue }
            if IPAddress.prefixMatches(candidate, range.bytes, range.prefix) { return true }
        }
        return false
    }
}

/// IP address text <-> bytes, through inet_pton.
enum IPAddress {
    static let v4MappedPrefix: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF]

    static func parse(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }

    static func prefixMatches(_ a: [UInt8], _ b: [UInt8], _ prefix: Int) -> Bool {
        var bits = prefix
        var i = 0
        while bits >= 8 {
            if a[i] != b[i] { return false }
            bits -= 8
            i += 1
        }
        if bits == 0 { return true }
        let mask = UInt8(0xFF) << UInt8(8 - bits)
        return a[i] & mask == b[i] & mask
    }
}

/// A configuration value that broke a rule; the message names the value and the rule.
public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
