/// XML 1.0 escaping for TwiML text and attribute values, with the same rules as
/// shetphone's `TwiML.escape`, so every server answers the same bytes.
public enum XMLText {
    /// Escapes the five specials and drops what XML 1.0 cannot carry; in attributes,
    /// tab/LF/CR become character references so a parser keeps them.
    public static func escape(_ text: String, inAttribute: Bool) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\t": out += inAttribute ? "&#9;" : "\t"
            case "\n": out += inAttribute ? "&#10;" : "\n"
            case "\r": out += "&#13;"
            default:
                switch scalar.value {
                case 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF:
                    out.unicodeScalars.append(scalar)
                default:
                    break
                }
            }
        }
        return out
    }
}
