/// Which region a +44 number belongs to: Guernsey, Jersey and the Isle of Man share the UK's
/// calling code and numbering plan, told apart by number range.
///
/// This matters for toll fraud as NANPRegion's table does for +1: allowing "GB" must not allow
/// Jersey or the Isle of Man, which are billed as international destinations.
///
/// Source: Ofcom's National Telephone Numbering Plan and its number-range allocations to the
/// Crown Dependencies' operators, as encoded in Google's libphonenumber metadata (GG, JE, IM):
/// the geographic area codes and the mobile ranges. Their few non-geographic numbers (08, 09,
/// 070, 03) count as GB here and are caught by `PremiumRanges` where they cost extra.
public enum UKRegion {
    /// National-number prefixes (after +44) of each Crown Dependency.
    static let prefixes: [(String, String)] = [
        // Guernsey: 01481, and mobiles 07781, 07839, 07911 1/7.
        ("1481", "GG"), ("7781", "GG"), ("7839", "GG"), ("79111", "GG"), ("79117", "GG"),
        // Jersey: 01534, and mobiles 07509, 07700 3/7/8, 07797, 07829, 07937.
        ("1534", "JE"), ("7509", "JE"), ("77003", "JE"), ("77007", "JE"), ("77008", "JE"),
        ("7797", "JE"), ("7829", "JE"), ("7937", "JE"),
        // Isle of Man: 01624, and mobiles 07457 6, 07524, 07624, 07924.
        ("1624", "IM"), ("74576", "IM"), ("7524", "IM"), ("7624", "IM"), ("7924", "IM"),
    ]

    /// `GG`, `JE`, `IM` for their ranges, else `GB`. `nationalNumber` is the number after +44.
    public static func region(nationalNumber: String) -> String {
        for (prefix, region) in prefixes where nationalNumber.hasPrefix(prefix) { return region }
        return "GB"
    }
}
