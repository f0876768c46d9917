import Glibc
import Logging
import Web
import XCTest

final class StandardErrorLogHandlerTests: XCTestCase {
    private final class Lines: TextOutputStream, @unchecked Sendable {
        private let mutex = Mutex()
        private var lines: [String] = []
        func write(_ string: String) { mutex.withLock { lines.append(string) } }
        var all: [String] { mutex.withLock { lines } }
    }

    private struct Failure: Error, CustomStringConvertible {
        var description: String { "the door is stuck" }
    }

    /// The same events through swift-log's `StreamLogHandler` and ours: the same lines but for
    /// the time, which each reads itself.
    func testLinesAreStreamLogHandlerLines() {
        let ours = Lines(), theirs = Lines()
        var mine = Logger(label: "shetphone") { StandardErrorLogHandler(label: $0, metadataProvider: nil, output: ours.write) }
        var reference = Logger(label: "shetphone") { StreamLogHandler(label: $0, stream: theirs, metadataProvider: nil) }
        mine.logLevel = .debug
        reference.logLevel = .debug
        for logger in [mine, reference] {
            logger.info("voice CA123: voicemail")
            logger.warning("bus: lost", metadata: ["channel": "events", "attempt": "2"])
            logger.error("intercom", error: Failure(), metadata: ["call": "CA1"])
            logger.debug("quiet", source: "Store")
        }
        mine[metadataKey: "instance"] = "a"
        reference[metadataKey: "instance"] = "a"
        for logger in [mine, reference] {
            logger.notice("started")
            logger.notice("with both", metadata: ["z": "1"])
        }
        let strip = { (line: String) in String(line.drop { $0 != " " }) }
        XCTAssertEqual(ours.all.count, 6)
        XCTAssertEqual(ours.all.map(strip), theirs.all.map(strip))
        XCTAssertEqual(strip(ours.all[1]), " warning shetphone: attempt=2 channel=events [WebTests] bus: lost\n")
        XCTAssertEqual(strip(ours.all[4]), " notice shetphone: instance=a [WebTests] started\n")
        for line in ours.all {
            let stamp = String(line.prefix { $0 != " " })
            XCTAssertTrue(Self.looksLikeTimestamp(stamp), stamp)
        }
    }

    func testATimestampIsFormattedOncePerSecond() {
        let stamps = LogTimestamp()
        let second: time_t = 1_796_000_000
        let first = stamps.text(for: second)
        XCTAssertEqual(first, expected(second))
        XCTAssertEqual(stamps.text(for: second), first)
        XCTAssertEqual(stamps.text(for: second + 1), expected(second + 1))
        XCTAssertNotEqual(stamps.text(for: second + 1), first)
    }

    /// The local time built from `localtime_r`'s fields by hand, not by `strftime`.
    private func expected(_ second: time_t) -> String {
        var seconds = second
        var parts = tm()
        localtime_r(&seconds, &parts)
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let offset = abs(parts.tm_gmtoff) / 60
        return "\(1900 + Int(parts.tm_year))-\(two(Int(parts.tm_mon) + 1))-\(two(Int(parts.tm_mday)))T"
            + "\(two(Int(parts.tm_hour))):\(two(Int(parts.tm_min))):\(two(Int(parts.tm_sec)))"
            + (parts.tm_gmtoff < 0 ? "-" : "+") + two(offset / 60) + two(offset % 60)
    }

    /// `2026-11-30T09:48:32+0000`
    private static func looksLikeTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 24 else { return false }
        let digits: Set<Int> = [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18, 20, 21, 22, 23]
        for (i, byte) in bytes.enumerated() {
            let ok: Bool
            switch i {
            case 4, 7: ok = byte == UInt8(ascii: "-")
            case 10: ok = byte == UInt8(ascii: "T")
            case 13, 16: ok = byte == UInt8(ascii: ":")
            case 19: ok = byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
            default: ok = digits.contains(i) && (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            }
            if !ok { return false }
        }
        return true
    }
}
