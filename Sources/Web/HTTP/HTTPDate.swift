import Glibc

/// IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), the only date format HTTP/1.1 servers send.
public enum HTTPDate {
    private static let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    public static func format(epochSeconds: Int) -> String {
        var time = time_t(epochSeconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(days[Int(parts.tm_wday)]), \(two(parts.tm_mday)) \(months[Int(parts.tm_mon)]) \(parts.tm_year + 1900) "
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)) GMT"
    }

    /// Parses an IMF-fixdate (RFC 9110 5.6.7: `day-name, DD Mon YYYY HH:MM:SS GMT`, every number a
    /// fixed count of digits, each in its range); nil for anything else (obsolete formats count as absent).
    public static func parse(_ text: String) -> Int? {
        let parts = text.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 6, parts[5] == "GMT", parts[0].count == 4, parts[0].hasSuffix(","),
              days.contains(String(parts[0].dropLast())),
              let day = digits(parts[1], count: 2, in: 1...31),
              let monthIndex = months.firstIndex(of: String(parts[2])),
              let year = digits(parts[3], count: 4, in: 1970...9999) else { return nil }
        let clock = parts[4].split(separator: ":", omittingEmptySubsequences: false)
        guard clock.count == 3, let h = digits(clock[0], count: 2, in: 0...23), let m = digits(clock[1], count: 2, in: 0...59),
              let s = digits(clock[2], count: 2, in: 0...60) else { return nil }
        // Every value is bounded above, so these conversions cannot trap.
        var fields = tm()
        fields.tm_year = Int32(year - 1900)
        fields.tm_mon = Int32(monthIndex)
        fields.tm_mday = Int32(day)
        fields.tm_hour = Int32(h)
        fields.tm_min = Int32(m)
        fields.tm_sec = Int32(s)
        let seconds = timegm(&fields)
        return seconds < 0 ? nil : Int(seconds)
    }

    /// Exactly `count` ASCII digits whose value lies in `range`.
    private static func digits(_ text: Substring, count: Int, in range: ClosedRange<Int>) -> Int? {
        guard text.utf8.count == count, text.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let value = Int(text), range.contains(value) else { return nil }
        return value
    }
}
