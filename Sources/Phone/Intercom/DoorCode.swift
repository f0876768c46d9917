/// One code a visitor can key in at the intercom to open the door: `4711` (always),
/// `2580:once` (the first use consumes it), `9999:2026-12-31` (valid until the end of that
/// day, UTC). The two can be combined: `1234:once:2026-12-31`.
public struct DoorCode: Sendable, Equatable, CustomStringConvertible {
    public let digits: String
    /// True when the first use consumes the code.
    public let singleUse: Bool
    /// Unix seconds from which the code no longer opens (midnight UTC after its last day), or nil.
    public let expiresAt: Int?

    public static let lengthRange = 3...12

    public init(digits: String, singleUse: Bool = false, expiresAt: Int? = nil) {
        self.digits = digits
        self.singleUse = singleUse
        self.expiresAt = expiresAt
    }

    /// Parses `code[:once][:YYYY-MM-DD]`; the error names the text and the rule.
    public init(parsing text: String) throws {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let digits = parts[0]
        guard DoorCode.lengthRange.contains(digits.count), digits.allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw DoorCodeError(text, "a door code is \(DoorCode.lengthRange.lowerBound) to \(DoorCode.lengthRange.upperBound) digits 0-9")
        }
        var singleUse = false
        var expiresAt: Int?
        for modifier in parts.dropFirst() {
            if modifier == "once" {
                guard !singleUse else { throw DoorCodeError(text, "says once twice") }
                singleUse = true
            } else if let day = DoorCode.dayAfter(modifier) {
                guard expiresAt == nil else { throw DoorCodeError(text, "has two dates") }
                expiresAt = day
            } else {
                throw DoorCodeError(text, "\(JSON.quoted(modifier)) is neither once nor a date like 2026-12-31")
            }
        }
        self.init(digits: digits, singleUse: singleUse, expiresAt: expiresAt)
    }

    /// True when the code's last day is over at `now` (unix seconds).
    public func hasExpired(at now: Int) -> Bool {
        guard let expiresAt else { return false }
        return now >= expiresAt
    }

    /// The form it is written in the config (for logs that must not show the digits, use `masked`).
    public var description: String {
        var text = digits
        if singleUse { text += ":once" }
        if let expiresAt { text += ":" + DoorCode.dayText(expiresAt - 86_400) }
        return text
    }

    /// `47**`: enough to tell codes apart in a log, not enough to use one.
    public var masked: String {
        String(digits.prefix(2)) + String(repeating: "*", count: digits.count - 2)
    }

    // MARK: Calendar arithmetic (UTC, proleptic Gregorian)

    /// Unix seconds of midnight UTC after `YYYY-MM-DD`, or nil when it is not a real date.
    static func dayAfter(_ text: String) -> Int? {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
              fields.allSatisfy({ $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let year = Int(fields[0]), let month = Int(fields[1]), let day = Int(fields[2]),
              year >= 1970, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year)
        else { return nil }
        return (daysFromCivil(year: year, month: month, day: day) + 1) * 86_400
    }

    /// `YYYY-MM-DD` of the UTC day that contains `seconds`.
    static func dayText(_ seconds: Int) -> String {
        let (year, month, day) = civil(fromDays: seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400)
        func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(year)-\(two(month))-\(two(day))"
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The inverse of `daysFromCivil`.
    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}

/// Why a `door_codes` entry was refused.
public struct DoorCodeError: Error, CustomStringConvertible, Equatable {
    public var input: String
    public var message: String

    public init(_ input: String, _ message: String) {
        self.input = input
        self.message = message
    }

    public var description: String { "\(JSON.quoted(input)): \(message)" }
}
