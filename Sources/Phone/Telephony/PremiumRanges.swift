/// Number ranges that cost the caller far more than a call, or pay part of the charge to whoever
/// holds the number (revenue share: the heart of toll fraud). Outgoing calls to them are refused
/// unless `[app] allow_premium` lists a prefix covering them.
///
/// Sources:
/// - UK (+44, also Guernsey, Jersey, Isle of Man): Ofcom, "National Telephone Numbering Plan":
///   09 premium rate services; 084 and 087 service-charge (revenue-sharing) numbers; 070
///   personal numbering; 076 radiopaging (07624 is the Isle of Man's mobile range, not a pager).
/// - North America (+1): NANPA, "NPA codes / non-geographic services": 900 premium (pay-per-call);
///   the 5XX personal communications services codes (500, 521-529, 532, 533, 535, 538, 542-547,
///   549, 550, 552-554, 556, 558, 566, 569, 577, 578, 588, 589); 456 inbound international
///   carrier services; 700 interexchange carrier services; 600 and 622 Canadian non-geographic
///   services (caller-pays mobiles and other services billed inside Canada); 880, 881 and 882,
///   paid international access to the toll-free codes 800, 888 and 877 (withdrawn in 2004,
///   reserved for toll-free again later: refused until then, they were paid calls).
/// - North America, any area code: the exchange (central office code) 976, local pay-per-call
///   information services whose charge the telephone company shares with the provider (California
///   PUC telecommunications glossary, "976 numbers"; the exchange rule is per area code, so
///   NPA-976-XXXX is refused in every NPA; `allow_premium = +1212976` allows one area's).
public enum PremiumRanges {
    /// Why a range is refused.
    public enum Kind: String, Sendable, Equatable {
        case premium = "premium-rate"
        case sharedCost = "shared-cost"
        case personal = "personal-numbering"
        case paging = "paging"
        case carrierService = "carrier-service"
        case nonGeographic = "non-geographic"
        case paidTollFree = "paid toll-free"
    }

    /// E.164 prefixes (without `+`) and their kind; the longest matching prefix wins.
    static let ranges: [(String, Kind)] = {
        var list: [(String, Kind)] = [
            ("449", .premium), ("4484", .sharedCost), ("4487", .sharedCost), ("4470", .personal),
            ("4476", .paging),
            ("1900", .premium), ("1456", .carrierService), ("1700", .carrierService),
            ("1600", .nonGeographic), ("1622", .nonGeographic),
            ("1880", .paidTollFree), ("1881", .paidTollFree), ("1882", .paidTollFree),
        ]
        for code in nanpPersonalCommunicationsCodes { list.append(("1" + String(code), .personal)) }
        return list
    }()

    /// Prefixes inside a refused range that are ordinary numbers.
    static let exceptions = ["447624"]

    static let nanpPersonalCommunicationsCodes = [
        500, 521, 522, 523, 524, 525, 526, 527, 528, 529, 532, 533, 535, 538, 542, 543, 544, 545, 546, 547,
        549, 550, 552, 553, 554, 556, 558, 566, 569, 577, 578, 588, 589,
    ]

    /// The NANP exchange of local pay-per-call services, in every area code: +1 NPA 976 XXXX.
    static let nanpPayPerCallExchange = "976"

    /// The kind of costly range `number` is in, or nil for an ordinary number.
    public static func kind(of number: PhoneNumber) -> Kind? {
        let digits = number.e164.dropFirst()
        if exceptions.contains(where: { digits.hasPrefix($0) }) { return nil }
        var best: (length: Int, kind: Kind)?
        for (prefix, kind) in ranges where digits.hasPrefix(prefix) && prefix.count > (best?.length ?? 0) {
            best = (prefix.count, kind)
        }
        if best == nil, isNANPPayPerCallExchange(digits) { return .premium }
        return best?.kind
    }

    /// `1 NPA 976 XXXX`: eleven digits, country code 1, exchange 976.
    private static func isNANPPayPerCallExchange(_ digits: Substring) -> Bool {
        digits.count == 11 && digits.hasPrefix("1")
            && digits.dropFirst(4).hasPrefix(nanpPayPerCallExchange)
    }
}
