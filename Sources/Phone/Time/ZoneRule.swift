import Glibc

/// A POSIX TZ rule (`GMT0BST,M3.5.0/1,M10.5.0`, `EST5EDT,M3.2.0,M11.1.0`, `<+03>-3`), as the
/// footer of a zoneinfo file gives it for moments after its last transition. Only the
/// `Mm.w.d` form of the start and end dates is read (the form every zoneinfo footer uses);
/// another form leaves the rule without daylight time.
struct ZoneRule: Sendable {
    /// A date rule `Mm.w.d/time`: the `week`th (5 = last) `weekday` (0 = Sunday) of `month`, at `time` seconds.
    struct Change: Sendable {
        var month: Int
        var week: Int
        var weekday: Int
        var time: Int
    }

    var standard: ZoneInfo.LocalType
    var daylight: ZoneInfo.LocalType?
    var start: Change?
    var end: Change?

    /// Nil when `posix` cannot be read at all.
    init?(posix: String) {
        var scanner = Substring(posix)
        guard let standardName = ZoneRule.name(&scanner), let standardOffset = ZoneRule.offset(&scanner) else { return nil }
        // POSIX offsets count west of UTC; ours count east.
        standard = .init(offset: -standardOffset, abbreviation: standardName, isDST: false)
        guard !scanner.isEmpty else { return }
        guard let daylightName = ZoneRule.name(&scanner) else { return nil }
        var daylightOffset = standard.offset + 3600
        if let first = scanner.first, first != "," { guard let west = ZoneRule.offset(&scanner) else { return nil }; daylightOffset = -west }
        daylight = .init(offset: daylightOffset, abbreviation: daylightName, isDST: true)
        guard scanner.first == "," else { return }
        scanner.removeFirst()
        start = ZoneRule.change(&scanner)
        guard scanner.first == "," else { daylight = nil; return }
        scanner.removeFirst()
        end = ZoneRule.change(&scanner)
        if start == nil || end == nil { daylight = nil }
    }

    func localType(at seconds: Int) -> ZoneInfo.LocalType {
        guard let daylight, let start, let end else { return standard }
        let year = Int(LocalTime(seconds + standard.offset).parts.tm_year) + 1900
        // Start is given in standard local time, end in daylight local time.
        let begins = ZoneRule.localSeconds(of: start, year: year) - standard.offset
        let ends = ZoneRule.localSeconds(of: end, year: year) - daylight.offset
        let inDaylight = begins < ends ? (seconds >= begins && seconds < ends) : !(seconds >= ends && seconds < begins)
        return inDaylight ? daylight : standard
    }

    /// Seconds since the epoch, in local reckoning, of the change in `year`.
    static func localSeconds(of change: Change, year: Int) -> Int {
        var parts = tm()
        parts.tm_year = Int32(year - 1900)
        parts.tm_mon = Int32(change.month - 1)
        parts.tm_mday = 1
        let firstOfMonth = Int(timegm(&parts))
        let firstWeekday = ((firstOfMonth / 86_400) % 7 + 4 + 7) % 7  // 1970-01-01 was a Thursday.
        var day = 1 + (change.weekday - firstWeekday + 7) % 7 + (change.week - 1) * 7
        let daysInMonth = ZoneRule.daysInMonth(change.month, year: year)
        while day > daysInMonth { day -= 7 }
        return firstOfMonth + (day - 1) * 86_400 + change.time
    }

    static func daysInMonth(_ month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// `GMT` or `<+03>`.
    static func name(_ scanner: inout Substring) -> String? {
        if scanner.first == "<" {
            guard let close = scanner.firstIndex(of: ">") else { return nil }
            let name = scanner[scanner.index(after: scanner.startIndex)..<close]
            scanner = scanner[scanner.index(after: close)...]
            return String(name)
        }
        let name = scanner.prefix(while: { $0.isLetter })
        guard name.count >= 3 else { return nil }
        scanner = scanner.dropFirst(name.count)
        return String(name)
    }

    /// `[+-]hh[:mm[:ss]]` in seconds.
    static func offset(_ scanner: inout Substring) -> Int? {
        var sign = 1
        if let first = scanner.first, first == "+" || first == "-" {
            sign = first == "-" ? -1 : 1
            scanner.removeFirst()
        }
        var total = 0
        for (index, unit) in [3600, 60, 1].enumerated() {
            if index > 0 {
                guard scanner.first == ":" else { break }
                scanner.removeFirst()
            }
            let digits = scanner.prefix(while: { $0.isASCII && $0.isNumber })
            guard !digits.isEmpty, digits.count <= 3, let value = Int(digits) else { return nil }
            scanner = scanner.dropFirst(digits.count)
            total += value * unit
        }
        return sign * total
    }

    /// `Mm.w.d[/time]`.
    static func change(_ scanner: inout Substring) -> Change? {
        guard scanner.first == "M" else { return nil }
        scanner.removeFirst()
        var fields: [Int] = []
        for index in 0..<3 {
            if index > 0 {
                guard scanner.first == "." else { return nil }
                scanner.removeFirst()
            }
            let digits = scanner.prefix(while: { $0.isASCII && $0.isNumber })
            guard let value = Int(digits) else { return nil }
            scanner = scanner.dropFirst(digits.count)
            fields.append(value)
        }
        guard (1...12).contains(fields[0]), (1...5).contains(fields[1]), (0...6).contains(fields[2]) else { return nil }
        var time = 7200
        if scanner.first == "/" {
            scanner.removeFirst()
            guard let value = offset(&scanner) else { return nil }
            time = value
        }
        return Change(month: fields[0], week: fields[1], weekday: fields[2], time: time)
    }
}
