/// How many SMS segments a text takes: GSM-7 (160 septets alone, 153 per part when split) when
/// every character is in the GSM 03.38 alphabet (its extension characters cost two septets),
/// else UCS-2 (70 UTF-16 units alone, 67 per part). A character is never split across parts.
/// The dialer's live counter (`Public/js/text-segments.js`) follows the same rules.
public struct TextSegments: Sendable, Equatable {
    public enum Encoding: String, Sendable {
        case gsm7 = "GSM-7"
        case ucs2 = "UCS-2"
    }

    public var encoding: Encoding
    /// Septets (GSM-7) or UTF-16 units (UCS-2).
    public var units: Int
    public var segments: Int

    /// The GSM 03.38 default alphabet (one septet each; the escape itself excluded).
    static let basic: Set<Unicode.Scalar> = Set(("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
        + "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà").unicodeScalars)
    /// The extension table: escape + character, two septets each.
    static let extended: Set<Unicode.Scalar> = Set("^{}\\[~]|€\u{0C}".unicodeScalars)

    public init(_ text: String) {
        let scalars = text.unicodeScalars
        if scalars.allSatisfy({ TextSegments.basic.contains($0) || TextSegments.extended.contains($0) }) {
            encoding = .gsm7
            let costs = scalars.map { TextSegments.extended.contains($0) ? 2 : 1 }
            (units, segments) = TextSegments.count(costs, single: 160, part: 153)
        } else {
            encoding = .ucs2
            let costs = scalars.map { $0.value > 0xFFFF ? 2 : 1 }
            (units, segments) = TextSegments.count(costs, single: 70, part: 67)
        }
    }

    /// Units in all, and parts when each part holds `part` units and no cost is split.
    static func count(_ costs: [Int], single: Int, part: Int) -> (units: Int, segments: Int) {
        let units = costs.reduce(0, +)
        if units == 0 { return (0, 0) }
        if units <= single { return (units, 1) }
        var segments = 1
        var used = 0
        for cost in costs {
            if used + cost > part {
                segments += 1
                used = 0
            }
            used += cost
        }
        return (units, segments)
    }
}
