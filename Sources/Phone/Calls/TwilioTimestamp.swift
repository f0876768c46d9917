/// Twilio's `Timestamp` parameter of status callbacks (RFC 2822: `Mon, 16 Aug 2010 03:45:01 +0000`)
/// as unix milliseconds. Using it instead of the time a callback arrived makes a callback
/// delivered twice give the same times.
enum TwilioTimestamp {
    static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Nil when `text` is not such a date (or is out of any sane range).
    static func millis(_ text: String) -> Int? {
        guard text.utf8.count <= 40 else { return nil }
        var words = text.split(separator: " ").map(String.init)
        if let first = words.first, first.hasSuffix(",") { words.removeFirst() }
        guard words.count == 5, let day = Int(words[0]), (1...31).contains(day),
              let monthIndex = months.firstIndex(of: words[1]), let year = Int(words[2]), (1970...9999).contains(year)
        else { return nil }
        let clock = words[3].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3, (0...23).contains(clock[0]), (0...59).contains(clock[1]), (0...60).contains(clock[2]) else { return nil }
        let zone = words[4]
        var offset = 0
        if zone != "GMT" && zone != "UT" && zone != "UTC" {
            guard zone.count == 5, let sign = zone.first, sign == "+" || sign == "-",
                  let hhmm = Int(zone.dropFirst()) else { return nil }
            offset = (hhmm / 100 * 60 + hhmm % 100) * 60 * (sign == "-" ? -1 : 1)
        }
        let days = daysFromCivil(year: year, month: monthIndex + 1, day: day)
        let seconds = days * 86_400 + clock[0] * 3600 + clock[1] * 60 + clock[2] - offset
        return seconds * 1000
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
