/// A country the dialer offers in its selector, with what the browser needs to check and
/// group a national number as it is typed. The calling code and the trunk prefix come from
/// `CallingCode` (the same tables the server parses numbers with); `shetphone calling-codes`
/// writes all of it into `Public/js/calling-codes.js`.
public struct DialerCountry: Sendable {
    /// ISO 3166 alpha-2.
    public let iso: String
    /// English name, shown where the browser has no name in the page's language.
    public let name: String
    /// Digits after the calling code.
    public let nsn: ClosedRange<Int>
    /// Grouping rules, first match wins: a JavaScript regular expression on the national
    /// number and the group sizes (digits beyond them join the last group).
    public let groups: [(pattern: String, sizes: [Int])]

    init(_ iso: String, _ name: String, nsn: ClosedRange<Int>, groups: [(String, [Int])]) {
        self.iso = iso
        self.name = name
        self.nsn = nsn
        self.groups = groups.map { (pattern: $0.0, sizes: $0.1) }
    }

    /// The calling code, from `CallingCode`.
    public var callingCode: Int? { CallingCode.codeForRegion[iso] }

    /// The trunk prefix dropped before a national number ("" for none), from `CallingCode`.
    public var trunk: String {
        guard let code = callingCode else { return "" }
        return CallingCode.trunkPrefixes(for: code).first ?? ""
    }

    /// The selector's countries, in the order shown (the dialer picks the user's own first).
    public static let all: [DialerCountry] = [
        DialerCountry("GB", "United Kingdom", nsn: 7...10, groups: [(#"^7"#, [4, 6]), (#"^2"#, [2, 4, 4]), (#"^1(1|\d1)"#, [3, 3, 4]), (#"^1"#, [4, 6]), (#"^[3589]"#, [3, 3, 4])]),
        DialerCountry("IE", "Ireland", nsn: 7...9, groups: [(#"^1"#, [1, 3, 4]), (#"^"#, [2, 3, 4])]),
        DialerCountry("US", "United States", nsn: 10...10, groups: [(#"^"#, [3, 3, 4])]),
        DialerCountry("CA", "Canada", nsn: 10...10, groups: [(#"^"#, [3, 3, 4])]),
        DialerCountry("FR", "France", nsn: 9...9, groups: [(#"^"#, [1, 2, 2, 2, 2])]),
        DialerCountry("DE", "Germany", nsn: 6...13, groups: [(#"^1[5-7]"#, [3, 8]), (#"^(30|40|69|89)"#, [2, 8]), (#"^"#, [3, 8])]),
        DialerCountry("ES", "Spain", nsn: 9...9, groups: [(#"^"#, [3, 3, 3])]),
        DialerCountry("IT", "Italy", nsn: 6...11, groups: [(#"^0[26]"#, [2, 4, 4]), (#"^"#, [3, 3, 4])]),
        DialerCountry("PT", "Portugal", nsn: 9...9, groups: [(#"^"#, [3, 3, 3])]),
        DialerCountry("NL", "Netherlands", nsn: 9...9, groups: [(#"^6"#, [1, 2, 2, 2, 2]), (#"^"#, [2, 3, 4])]),
        DialerCountry("BE", "Belgium", nsn: 8...9, groups: [(#"^4"#, [3, 2, 2, 2]), (#"^[23]"#, [1, 3, 2, 2]), (#"^"#, [2, 2, 2, 2])]),
        DialerCountry("LU", "Luxembourg", nsn: 4...11, groups: [(#"^"#, [3, 3, 3])]),
        DialerCountry("CH", "Switzerland", nsn: 9...9, groups: [(#"^"#, [2, 3, 2, 2])]),
        DialerCountry("AT", "Austria", nsn: 4...13, groups: [(#"^1"#, [1, 8]), (#"^"#, [3, 8])]),
        DialerCountry("DK", "Denmark", nsn: 8...8, groups: [(#"^"#, [2, 2, 2, 2])]),
        DialerCountry("NO", "Norway", nsn: 8...8, groups: [(#"^[49]"#, [3, 2, 3]), (#"^"#, [2, 2, 2, 2])]),
        DialerCountry("SE", "Sweden", nsn: 7...13, groups: [(#"^8"#, [1, 3, 2, 2]), (#"^"#, [2, 3, 2, 2])]),
        DialerCountry("FI", "Finland", nsn: 5...12, groups: [(#"^"#, [2, 3, 4])]),
        DialerCountry("IS", "Iceland", nsn: 7...9, groups: [(#"^"#, [3, 4])]),
        DialerCountry("FO", "Faroe Islands", nsn: 6...6, groups: [(#"^"#, [3, 3])]),
        DialerCountry("GL", "Greenland", nsn: 6...6, groups: [(#"^"#, [2, 2, 2])]),
        DialerCountry("PL", "Poland", nsn: 9...9, groups: [(#"^"#, [3, 3, 3])]),
        DialerCountry("CZ", "Czechia", nsn: 9...9, groups: [(#"^"#, [3, 3, 3])]),
        DialerCountry("SK", "Slovakia", nsn: 9...9, groups: [(#"^"#, [3, 3, 3])]),
        DialerCountry("HU", "Hungary", nsn: 8...9, groups: [(#"^1"#, [1, 3, 4]), (#"^"#, [2, 3, 4])]),
        DialerCountry("RO", "Romania", nsn: 9...9, groups: [(#"^"#, [3, 3, 3])]),
        DialerCountry("BG", "Bulgaria", nsn: 7...9, groups: [(#"^"#, [3, 3, 3])]),
        DialerCountry("GR", "Greece", nsn: 10...10, groups: [(#"^"#, [3, 3, 4])]),
        DialerCountry("HR", "Croatia", nsn: 8...9, groups: [(#"^"#, [2, 3, 4])]),
        DialerCountry("SI", "Slovenia", nsn: 8...8, groups: [(#"^"#, [2, 3, 3])]),
        DialerCountry("RS", "Serbia", nsn: 8...10, groups: [(#"^"#, [2, 3, 4])]),
        DialerCountry("EE", "Estonia", nsn: 7...8, groups: [(#"^"#, [4, 4])]),
        DialerCountry("LV", "Latvia", nsn: 8...8, groups: [(#"^"#, [2, 3, 3])]),
        DialerCountry("UA", "Ukraine", nsn: 9...9, groups: [(#"^"#, [2, 3, 2, 2])]),
        DialerCountry("TR", "Türkiye", nsn: 10...10, groups: [(#"^"#, [3, 3, 2, 2])]),
        DialerCountry("IL", "Israel", nsn: 8...9, groups: [(#"^5"#, [2, 3, 4]), (#"^"#, [1, 3, 4])]),
        DialerCountry("AE", "United Arab Emirates", nsn: 8...9, groups: [(#"^5"#, [2, 3, 4]), (#"^"#, [1, 3, 4])]),
        DialerCountry("SA", "Saudi Arabia", nsn: 8...9, groups: [(#"^5"#, [2, 3, 4]), (#"^"#, [2, 3, 4])]),
        DialerCountry("EG", "Egypt", nsn: 8...10, groups: [(#"^1"#, [2, 4, 4]), (#"^"#, [1, 4, 4])]),
        DialerCountry("MA", "Morocco", nsn: 9...9, groups: [(#"^"#, [3, 2, 2, 2])]),
        DialerCountry("NG", "Nigeria", nsn: 8...10, groups: [(#"^"#, [3, 3, 4])]),
        DialerCountry("KE", "Kenya", nsn: 9...9, groups: [(#"^"#, [3, 3, 3])]),
        DialerCountry("ZA", "South Africa", nsn: 9...9, groups: [(#"^"#, [2, 3, 4])]),
        DialerCountry("IN", "India", nsn: 10...10, groups: [(#"^"#, [5, 5])]),
        DialerCountry("PK", "Pakistan", nsn: 9...10, groups: [(#"^3"#, [3, 7]), (#"^"#, [2, 8])]),
        DialerCountry("CN", "China", nsn: 9...11, groups: [(#"^1"#, [3, 4, 4]), (#"^"#, [2, 4, 4])]),
        DialerCountry("HK", "Hong Kong", nsn: 8...8, groups: [(#"^"#, [4, 4])]),
        DialerCountry("TW", "Taiwan", nsn: 8...9, groups: [(#"^9"#, [3, 3, 3]), (#"^"#, [1, 4, 4])]),
        DialerCountry("JP", "Japan", nsn: 9...10, groups: [(#"^[789]0"#, [2, 4, 4]), (#"^[36]"#, [1, 4, 4]), (#"^"#, [2, 3, 4])]),
        DialerCountry("KR", "South Korea", nsn: 8...10, groups: [(#"^1"#, [2, 4, 4]), (#"^2"#, [1, 4, 4]), (#"^"#, [2, 3, 4])]),
        DialerCountry("SG", "Singapore", nsn: 8...8, groups: [(#"^"#, [4, 4])]),
        DialerCountry("MY", "Malaysia", nsn: 8...10, groups: [(#"^1"#, [2, 4, 4]), (#"^"#, [1, 4, 4])]),
        DialerCountry("TH", "Thailand", nsn: 8...9, groups: [(#"^[689]"#, [2, 3, 4]), (#"^"#, [1, 3, 4])]),
        DialerCountry("PH", "Philippines", nsn: 8...10, groups: [(#"^9"#, [3, 3, 4]), (#"^"#, [1, 4, 4])]),
        DialerCountry("ID", "Indonesia", nsn: 8...12, groups: [(#"^8"#, [3, 4, 5]), (#"^"#, [2, 4, 4])]),
        DialerCountry("VN", "Vietnam", nsn: 9...10, groups: [(#"^"#, [3, 3, 4])]),
        DialerCountry("AU", "Australia", nsn: 9...9, groups: [(#"^4"#, [3, 3, 3]), (#"^"#, [1, 4, 4])]),
        DialerCountry("NZ", "New Zealand", nsn: 8...10, groups: [(#"^2"#, [2, 3, 5]), (#"^"#, [1, 3, 4])]),
        DialerCountry("BR", "Brazil", nsn: 10...11, groups: [(#"^\d{2}9"#, [2, 5, 4]), (#"^"#, [2, 4, 4])]),
        DialerCountry("AR", "Argentina", nsn: 10...11, groups: [(#"^11"#, [2, 4, 4]), (#"^"#, [3, 3, 4])]),
        DialerCountry("MX", "Mexico", nsn: 10...10, groups: [(#"^(33|55|81)"#, [2, 4, 4]), (#"^"#, [3, 3, 4])]),
        DialerCountry("CL", "Chile", nsn: 9...9, groups: [(#"^"#, [1, 4, 4])]),
        DialerCountry("CO", "Colombia", nsn: 10...10, groups: [(#"^"#, [3, 3, 4])]),
        DialerCountry("PE", "Peru", nsn: 8...9, groups: [(#"^9"#, [3, 3, 3]), (#"^"#, [1, 3, 4])]),
        DialerCountry("RU", "Russia", nsn: 10...10, groups: [(#"^"#, [3, 3, 2, 2])]),
        DialerCountry("KZ", "Kazakhstan", nsn: 10...10, groups: [(#"^"#, [3, 3, 2, 2])]),
    ]
}
