import Glibc

/// A time during which the intercom opens the door for every caller by itself.
/// Times are unix seconds; `by` is who started it (a user name, `link` or `cli`).
public struct GrantPeriod: Sendable, Equatable {
    public var startedAt: Int
    public var until: Int
    public var by: String

    public init(startedAt: Int, until: Int, by: String) {
        self.startedAt = startedAt
        self.until = until
        self.by = by
    }

    /// A grant from `now` for `minutes`.
    public static func starting(at now: Int, minutes: Int, by: String) -> GrantPeriod {
        GrantPeriod(startedAt: now, until: now + minutes * 60, by: by)
    }

    public func isActive(at now: Int) -> Bool { now < until }

    /// Whole minutes left, rounded up (a grant with 10 s left still has "1 minute").
    public func minutesLeft(at now: Int) -> Int {
        max(0, (until - now + 59) / 60)
    }

    /// `minutes` more after the current end (or after `now`, if it already ended), never past
    /// `now + maxMinutes`: extending repeatedly cannot leave the door open for days.
    public func extended(byMinutes minutes: Int, at now: Int, maxMinutes: Int) -> GrantPeriod {
        var grant = self
        grant.until = min(max(until, now) + minutes * 60, now + maxMinutes * 60)
        return grant
    }

    /// For `GET /api/intercom`: `{"active":true,"until":...,"by":"alice","startedAt":...}`.
    public var json: JSON {
        ["active": true, "until": .int(until), "by": .string(by), "startedAt": .int(startedAt)]
    }

    public static let inactiveJSON: JSON = ["active": false]

    /// `2026-05-01 18:30 UTC`, the way the grant page and the CLI show times.
    public static func utcText(_ seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        gmtime_r(&time, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday)) \(two(parts.tm_hour)):\(two(parts.tm_min)) UTC"
    }
}
