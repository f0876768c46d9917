import Foundation

/// `application/x-www-form-urlencoded` decoding for FlyingFox, which has none of its own:
/// split on `&` and `=`, `+` is a space, then Foundation's percent-decoding.
enum FormFields {
    /// The first value of each name; a pair whose percent-encoding is broken is skipped.
    static func decode(_ body: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for pair in String(decoding: body, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decodeComponent(parts[0]),
                  let value = parts.count > 1 ? decodeComponent(parts[1]) : "" else { continue }
            if fields[name] == nil { fields[name] = value }
        }
        return fields
    }

    private static func decodeComponent(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
