/// A TwiML document: `<Response>` holding the verbs Twilio runs in order, written as
/// XML 1.0 with every attribute value and text escaped.
public struct TwiML: Sendable, Equatable {
    public var verbs: [TwiMLElement]

    public init(_ verbs: [TwiMLElement]) { self.verbs = verbs }

    public static let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"

    /// The document as Twilio reads it (serve it as `text/xml`).
    public var xml: String {
        var out = TwiML.declaration
        TwiML.write(TwiMLElement("Response", children: verbs.map(TwiMLNode.element)), to: &out)
        return out
    }

    private static func write(_ element: TwiMLElement, to out: inout String) {
        out += "<" + element.name
        for (name, value) in element.attributes {
            out += " " + name + "=\""
            out += escape(value, inAttribute: true)
            out += "\""
        }
        if element.children.isEmpty {
            out += "/>"
            return
        }
        out += ">"
        for child in element.children {
            switch child {
            case let .element(nested): write(nested, to: &out)
            case let .text(text): out += escape(text, inAttribute: false)
            }
        }
        out += "</" + element.name + ">"
    }

    /// Escapes the five XML specials and drops what XML 1.0 cannot carry at all (C0 controls
    /// other than tab/LF/CR, U+FFFE, U+FFFF). In attributes, tab/LF/CR become character
    /// references because a parser would otherwise turn them into spaces.
    public static func escape(_ text: String, inAttribute: Bool) -> String {
        // Fast path: printable ASCII without specials (numbers, SIDs, URLs) needs nothing.
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E && !xmlSpecials[Int($0)] }) { return text }
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
            case "\r": out += "&#13;"  // a raw CR would be normalised away even in text
            default:
                if isAllowedInXML(scalar) { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    private static let xmlSpecials: [Bool] = {
        var table = [Bool](repeating: false, count: 128)
        for byte in "&<>\"'".utf8 { table[Int(byte)] = true }
        return table
    }()

    /// XML 1.0 `Char` production, minus the C1 controls and DEL it discourages.
    private static func isAllowedInXML(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0xD7FF, 0xE000...0xFFFD, 0x10000...0x10FFFF: return true
        default: return false
        }
    }
}
