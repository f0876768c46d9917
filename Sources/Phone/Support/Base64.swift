import Foundation

/// Base64 (RFC 4648 section 4) and its URL-safe, unpadded form used by JWTs (section 5).
public enum Base64 {
    public static func encode(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
    }

    /// `-` and `_` instead of `+` and `/`, and no `=` padding (RFC 7515 section 2).
    public static func urlEncode(_ bytes: [UInt8]) -> String {
        var text = ""
        for char in encode(bytes) {
            switch char {
            case "+": text.append("-")
            case "/": text.append("_")
            case "=": continue
            default: text.append(char)
            }
        }
        return text
    }

    /// Decodes base64url with or without padding; nil when it is not base64url.
    public static func urlDecode(_ text: String) -> [UInt8]? {
        var standard = ""
        for char in text {
            switch char {
            case "-": standard.append("+")
            case "_": standard.append("/")
            case "+", "/", "=": return nil
            default: standard.append(char)
            }
        }
        let remainder = standard.utf8.count % 4
        if remainder == 1 { return nil }
        if remainder > 0 { standard += String(repeating: "=", count: 4 - remainder) }
        return Data(base64Encoded: standard).map { Array($0) }
    }
}
