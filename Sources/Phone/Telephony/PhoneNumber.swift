/// A telephone number in E.164 form (`+447946000174`): a country calling code and a
/// national number, at most 15 digits in all.
///
/// Parsing accepts what people type (`+44 20 7946 0174`, `0044 ...`, `020 7946 0174`
/// with a default country) and always yields the one canonical form, so numbers from
/// config, Twilio and the dialer compare equal.
public struct PhoneNumber: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// `+` and 7 to 15 digits.
    public let e164: String
    public let countryCallingCode: Int
    /// The digits after the calling code.
    public let nationalNumber: String

    /// E.164 allows 15 digits; the shortest numbers in service (Niue, Tokelau) have 7.
    public static let digitRange = 7...15

    /// Parses strict E.164: `+` then digits only, as Twilio sends them.
    public init(e164 text: String) throws {
        guard text.hasPrefix("+") else { throw PhoneNumberError(text, "must start with + and a country code") }
        try self.init(internationalDigits: Substring(text.dropFirst()), input: text)
    }

    /// Parses a number as people write it. Spaces, dots, dashes, slashes and brackets are
    /// ignored. `+` or `00` start an international number; otherwise the number is national
    /// and `defaultCallingCode` says which country, whose trunk prefix (`0` mostly) is dropped.
    public init(parsing text: String, defaultCallingCode: Int? = nil) throws {
        // "+44 (0)20 ..." is a common way to show the trunk 0 that is dropped after a country code.
        let written = text.replacing("(0)", with: "")
        var digits = ""
        var international = false
        var seenDigit = false
        for scalar in written.unicodeScalars {
            switch scalar {
            case "0"..."9":
                digits.unicodeScalars.append(scalar)
                seenDigit = true
            case "+" where !seenDigit && !international:
                international = true
            case " ", "\t", "\u{A0}", "\u{202F}", "-", "\u{2010}", "\u{2011}", "\u{2013}", ".", "/", "(", ")":
                continue
            default:
                throw PhoneNumberError(text, "contains \(JSON.quoted(String(scalar))), only digits, + and separators are allowed")
            }
        }
        guard !digits.isEmpty else { throw PhoneNumberError(text, "has no digits") }
        if international {
            try self.init(internationalDigits: Substring(digits), input: text)
            return
        }
        if defaultCallingCode == 1, digits.hasPrefix("011") {
            try self.init(internationalDigits: digits.dropFirst(3), input: text)
            return
        }
        if digits.hasPrefix("00") {
            try self.init(internationalDigits: digits.dropFirst(2), input: text)
            return
        }
        guard written == text else { throw PhoneNumberError(text, "has (0) but no country code before it") }
        guard let code = defaultCallingCode else {
            throw PhoneNumberError(text, "has no country code (write it as +<country code> <number>)")
        }
        guard CallingCode.isAssigned(code) else { throw PhoneNumberError(text, "uses country code \(code), which is not assigned") }
        var national = Substring(digits)
        for prefix in CallingCode.trunkPrefixes(for: code) where national.hasPrefix(prefix) {
            // NANP's trunk `1` is only a prefix on 11-digit input; `1` never starts an area code.
            if code == 1, national.count != 11 { continue }
            national = national.dropFirst(prefix.count)
            break
        }
        try self.init(internationalDigits: Substring(String(code)) + national, input: text)
    }

    private init(internationalDigits digits: Substring, input: String) throws {
        guard digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw PhoneNumberError(input, "must be + followed by digits only")
        }
        guard PhoneNumber.digitRange.contains(digits.count) else {
            throw PhoneNumberError(input, "has \(digits.count) digits, E.164 numbers have \(PhoneNumber.digitRange.lowerBound) to \(PhoneNumber.digitRange.upperBound)")
        }
        guard let code = CallingCode.prefix(of: digits) else {
            throw PhoneNumberError(input, "does not start with an assigned country calling code")
        }
        let national = String(digits.dropFirst(String(code).count))
        guard national.count >= 4 else { throw PhoneNumberError(input, "is too short after country code +\(code)") }
        if let lengths = CallingCode.nationalLengths[code], !lengths.contains(national.count) {
            throw PhoneNumberError(input, "has \(national.count) digits after +\(code), numbers there have \(lengths.sorted().map(String.init).joined(separator: " or "))")
        }
        if code == 1 {
            // NANP: NPA-NXX-XXXX, where area and exchange codes start with 2-9.
            let chars = Array(national)
            guard chars.count == 10, chars[0] >= "2", chars[3] >= "2" else {
                throw PhoneNumberError(input, "is not a North American number (+1 and ten digits, area code and exchange not starting with 0 or 1)")
            }
        }
        countryCallingCode = code
        nationalNumber = national
        e164 = "+" + digits
    }

    /// ISO 3166 alpha-2 region, or nil for non-geographic numbers (satellite, international freephone).
    public var region: String? {
        switch countryCallingCode {
        case 1:
            return NANPRegion.region(areaCode: Int(nationalNumber.prefix(3)) ?? 0)
        case 44:
            return UKRegion.region(nationalNumber: nationalNumber)
        case 7:
            // Kazakhstan's numbers are +7 6xx and +7 7xx.
            return nationalNumber.hasPrefix("6") || nationalNumber.hasPrefix("7") ? "KZ" : "RU"
        default:
            return CallingCode.primaryRegion[countryCallingCode] ?? nil
        }
    }

    public var description: String { e164 }

    public static func < (lhs: PhoneNumber, rhs: PhoneNumber) -> Bool { lhs.e164 < rhs.e164 }
}

/// Why a text is not a phone number: names the text and the rule.
public struct PhoneNumberError: Error, CustomStringConvertible, Equatable {
    public var input: String
    public var message: String

    public init(_ input: String, _ message: String) {
        self.input = input
        self.message = message
    }

    public var description: String { "\(JSON.quoted(input)) is not a phone number: it \(message)" }
}
