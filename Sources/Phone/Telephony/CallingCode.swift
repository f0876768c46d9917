/// Country calling codes assigned by the ITU (E.164 and its annex), each with the ISO 3166
/// region that primarily uses it. Non-geographic codes (satellite, freephone) have no region.
///
/// The codes form a prefix-free set, so the first one to three digits of an international
/// number name exactly one code.
public enum CallingCode {
    /// Calling code -> primary region (nil for non-geographic services).
    public static let primaryRegion: [Int: String?] = {
        var table: [Int: String?] = [:]
        for (code, region) in assignments { table[code] = region }
        return table
    }()

    /// Region -> calling code, for every region in the table, the regions that share a
    /// code (Canada, Jersey, Kazakhstan...) and the North American Numbering Plan.
    public static let codeForRegion: [String: Int] = {
        var table: [String: Int] = [:]
        for (code, region) in assignments {
            if let region { table[region] = code }
        }
        for (region, code) in sharedRegions { table[region] = code }
        for region in NANPRegion.byAreaCode.values { table[region] = 1 }
        return table
    }()

    public static func isAssigned(_ code: Int) -> Bool { primaryRegion.keys.contains(code) }

    /// The calling code at the start of `digits` (an international number without `+`), or nil.
    public static func prefix(of digits: Substring) -> Int? {
        for length in 1...3 where digits.count >= length {
            if let code = Int(digits.prefix(length)), isAssigned(code) { return code }
        }
        return nil
    }

    /// Regions that dial through another region's code.
    static let sharedRegions: [(String, Int)] = [
        ("YT", 262), ("TA", 290), ("AX", 358), ("VA", 39), ("GG", 44), ("JE", 44), ("IM", 44),
        ("SJ", 47), ("BL", 590), ("MF", 590), ("BQ", 599), ("CX", 61), ("CC", 61), ("EH", 212),
        ("KZ", 7), ("US", 1),
    ]

    /// ITU-T E.164 assigned country codes (list of ITU-T Recommendation E.164 assigned
    /// country codes, as of 2024). Spare and reserved codes are absent.
    public static let assignments: [(Int, String?)] = [
        (1, "US"),
        (20, "EG"), (211, "SS"), (212, "MA"), (213, "DZ"), (216, "TN"), (218, "LY"),
        (220, "GM"), (221, "SN"), (222, "MR"), (223, "ML"), (224, "GN"), (225, "CI"), (226, "BF"),
        (227, "NE"), (228, "TG"), (229, "BJ"), (230, "MU"), (231, "LR"), (232, "SL"), (233, "GH"),
        (234, "NG"), (235, "TD"), (236, "CF"), (237, "CM"), (238, "CV"), (239, "ST"), (240, "GQ"),
        (241, "GA"), (242, "CG"), (243, "CD"), (244, "AO"), (245, "GW"), (246, "IO"), (247, "AC"),
        (248, "SC"), (249, "SD"), (250, "RW"), (251, "ET"), (252, "SO"), (253, "DJ"), (254, "KE"),
        (255, "TZ"), (256, "UG"), (257, "BI"), (258, "MZ"), (260, "ZM"), (261, "MG"), (262, "RE"),
        (263, "ZW"), (264, "NA"), (265, "MW"), (266, "LS"), (267, "BW"), (268, "SZ"), (269, "KM"),
        (27, "ZA"), (290, "SH"), (291, "ER"), (297, "AW"), (298, "FO"), (299, "GL"),
        (30, "GR"), (31, "NL"), (32, "BE"), (33, "FR"), (34, "ES"), (350, "GI"), (351, "PT"),
        (352, "LU"), (353, "IE"), (354, "IS"), (355, "AL"), (356, "MT"), (357, "CY"), (358, "FI"),
        (359, "BG"), (36, "HU"), (370, "LT"), (371, "LV"), (372, "EE"), (373, "MD"), (374, "AM"),
        (375, "BY"), (376, "AD"), (377, "MC"), (378, "SM"), (379, "VA"), (380, "UA"), (381, "RS"),
        (382, "ME"), (383, "XK"), (385, "HR"), (386, "SI"), (387, "BA"), (389, "MK"), (39, "IT"),
        (40, "RO"), (41, "CH"), (420, "CZ"), (421, "SK"), (423, "LI"), (43, "AT"), (44, "GB"),
        (45, "DK"), (46, "SE"), (47, "NO"), (48, "PL"), (49, "DE"),
        (500, "FK"), (501, "BZ"), (502, "GT"), (503, "SV"), (504, "HN"), (505, "NI"), (506, "CR"),
        (507, "PA"), (508, "PM"), (509, "HT"), (51, "PE"), (52, "MX"), (53, "CU"), (54, "AR"),
        (55, "BR"), (56, "CL"), (57, "CO"), (58, "VE"), (590, "GP"), (591, "BO"), (592, "GY"),
        (593, "EC"), (594, "GF"), (595, "PY"), (596, "MQ"), (597, "SR"), (598, "UY"), (599, "CW"),
        (60, "MY"), (61, "AU"), (62, "ID"), (63, "PH"), (64, "NZ"), (65, "SG"), (66, "TH"),
        (670, "TL"), (672, "NF"), (673, "BN"), (674, "NR"), (675, "PG"), (676, "TO"), (677, "SB"),
        (678, "VU"), (679, "FJ"), (680, "PW"), (681, "WF"), (682, "CK"), (683, "NU"), (685, "WS"),
        (686, "KI"), (687, "NC"), (688, "TV"), (689, "PF"), (690, "TK"), (691, "FM"), (692, "MH"),
        (7, "RU"),
        (800, nil), (808, nil), (81, "JP"), (82, "KR"), (84, "VN"), (850, "KP"), (852, "HK"),
        (853, "MO"), (855, "KH"), (856, "LA"), (86, "CN"), (870, nil), (878, nil), (880, "BD"),
        (881, nil), (882, nil), (883, nil), (886, "TW"), (888, nil),
        (90, "TR"), (91, "IN"), (92, "PK"), (93, "AF"), (94, "LK"), (95, "MM"), (960, "MV"),
        (961, "LB"), (962, "JO"), (963, "SY"), (964, "IQ"), (965, "KW"), (966, "SA"), (967, "YE"),
        (968, "OM"), (970, "PS"), (971, "AE"), (972, "IL"), (973, "BH"), (974, "QA"), (975, "BT"),
        (976, "MN"), (977, "NP"), (979, nil), (98, "IR"), (992, "TJ"), (993, "TM"), (994, "AZ"),
        (995, "GE"), (996, "KG"), (998, "UZ"),
    ]

    /// National trunk prefixes dialled before a national number, where they are not `0`.
    /// An empty list means the country has none: a leading 0 belongs to the number itself
    /// (Italy keeps it after +39). The dialer's table is generated from this one.
    static let trunkPrefixes: [Int: [String]] = [
        1: ["1"], 7: ["8"], 36: ["06"], 370: ["8", "0"], 375: ["80"],
        39: [], 378: [], 379: [], 225: [], 241: [], 242: [],
        30: [], 34: [], 45: [], 47: [], 48: [], 52: [], 56: [], 57: [], 65: [], 298: [], 299: [],
        351: [], 352: [], 354: [], 371: [], 372: [], 420: [], 852: [],
    ]

    /// National number lengths for a few countries whose plans are closed and well known,
    /// to catch a dropped digit before Twilio does. Elsewhere only E.164's bounds apply.
    /// (UK: 10 digits, some areas 9, and 0800 1111 style freephone 7.)
    static let nationalLengths: [Int: Set<Int>] = [
        1: [10], 7: [10], 33: [9], 44: [7, 9, 10],
    ]

    static func trunkPrefixes(for code: Int) -> [String] { trunkPrefixes[code] ?? ["0"] }
}
