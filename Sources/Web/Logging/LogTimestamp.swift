import Glibc

/// The local time of a log line, `2026-11-30T09:48:32+0000` (what swift-log's
/// `StreamLogHandler` writes), formatted once a second.
///
/// glibc's `localtime` checks `/etc/localtime` with a `stat` on every call (with `TZ` unset), so
/// a line formatted that way cost a file-system call on whatever thread logged it, event loops
/// included. `localtime_r` reads the zone once, and the text is kept until the second changes.
public final class LogTimestamp: @unchecked Sendable {
    public static let shared = LogTimestamp()

    private let mutex = Mutex()
    /// Guarded by `mutex`.
    private var second: time_t = -1
    private var text = ""

    public init() {}

    public func now() -> String {
        text(for: time(nil))
    }

    public func text(for second: time_t) -> String {
        mutex.withLock {
            if self.second != second {
                text = LogTimestamp.format(second)
                self.second = second
            }
            return text
        }
    }

    static func format(_ second: time_t) -> String {
        withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer in
            let count = write(second, into: buffer.baseAddress!, capacity: buffer.count)
            return count == 0 ? "<unknown>"
                : String(decoding: UnsafeRawBufferPointer(start: buffer.baseAddress, count: count), as: UTF8.self)
        }
    }

    /// Writes the local time of `second` at `text` (no terminating zero counted) and returns the
    /// number of bytes, 0 when it does not fit in `capacity` (at least 25 bytes are needed).
    static func write(_ second: time_t, into text: UnsafeMutablePointer<CChar>, capacity: Int) -> Int {
        var seconds = second
        var parts = tm()
        guard localtime_r(&seconds, &parts) != nil else { return 0 }
        return strftime(text, capacity, "%Y-%m-%dT%H:%M:%S%z", &parts)
    }
}
