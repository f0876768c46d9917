/// Which region a +1 number belongs to: the North American Numbering Plan shares one
/// calling code among the US, Canada and the Caribbean, told apart by area code.
///
/// This matters for toll fraud: allowing "US" must not allow Jamaica (+1 876).
public enum NANPRegion {
    /// Area codes outside the United States proper (and US territories with their own ISO code).
    /// Any other valid area code is `US`.
    public static let byAreaCode: [Int: String] = {
        var table: [Int: String] = [:]
        for code in canada { table[code] = "CA" }
        for (code, region) in others { table[code] = region }
        return table
    }()

    public static func region(areaCode: Int) -> String { byAreaCode[areaCode] ?? "US" }

    static let canada = [
        204, 226, 236, 249, 250, 257, 263, 289, 306, 343, 354, 365, 367, 368, 382, 403, 416, 418,
        428, 431, 437, 438, 450, 468, 474, 506, 514, 519, 548, 579, 581, 584, 587, 600, 604, 613,
        622, 639, 647, 672, 683, 705, 709, 742, 753, 778, 780, 782, 807, 819, 825, 867, 873, 879,
        902, 905, 942,
    ]

    static let others: [(Int, String)] = [
        (242, "BS"), (246, "BB"), (264, "AI"), (268, "AG"), (284, "VG"), (340, "VI"), (345, "KY"),
        (441, "BM"), (473, "GD"), (649, "TC"), (658, "JM"), (664, "MS"), (670, "MP"), (671, "GU"),
        (684, "AS"), (721, "SX"), (758, "LC"), (767, "DM"), (784, "VC"), (787, "PR"), (809, "DO"),
        (829, "DO"), (849, "DO"), (868, "TT"), (869, "KN"), (876, "JM"), (939, "PR"),
    ]
}
