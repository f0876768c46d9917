/// Writes contacts as vCard 4.0 (RFC 6350): CRLF line ends, lines folded at 75 octets,
/// text escaped, numbers as `tel:` URIs that any address book reads back.
public enum VCardWriter {
    public static func write(_ contacts: [Contact]) -> String {
        var out = ""
        for contact in contacts {
            append("BEGIN:VCARD", to: &out)
            append("VERSION:4.0", to: &out)
            append("FN:" + escapeText(contact.name), to: &out)
            for number in contact.numbers {
                let type = isToken(number.label) ? ";TYPE=\(number.label)" : ""
                append("TEL;VALUE=uri\(type):tel:\(number.number.e164)", to: &out)
            }
            if !contact.note.isEmpty { append("NOTE:" + escapeText(contact.note), to: &out) }
            append("END:VCARD", to: &out)
        }
        return out
    }

    /// Folds a line longer than 75 octets (continuations start with a space), never inside a character.
    static func append(_ line: String, to out: inout String) {
        var octets = 0
        for character in line {
            let size = character.utf8.count
            if octets + size > 75 {
                out += "\r\n "
                octets = 1
            }
            out.append(character)
            octets += size
        }
        out += "\r\n"
    }

    static func escapeText(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case ",": out += "\\,"
            case ";": out += "\\;"
            case "\n", "\r\n", "\r": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    private static func isToken(_ label: String) -> Bool {
        !label.isEmpty && label.count <= 20 && label.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-"
        }
    }
}
