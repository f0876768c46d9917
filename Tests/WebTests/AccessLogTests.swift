import Foundation
import Glibc
import XCTest
@testable import Web

/// The access log's line format, its line-aligned writes and its flush on close.
final class AccessLogTests: XCTestCase {
    private var path = ""
    private var fd: Int32 = -1

    override func setUp() {
        path = NSTemporaryDirectory() + "accesslog-" + UUID().uuidString
        fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0o600)
    }

    override func tearDown() {
        close(fd)
        unlink(path)
    }

    private func written() -> String {
        (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    }

    func testALineHasTheLogPrefixRequestStatusBytesAndMilliseconds() {
        let buffer = AccessLogBuffer(label: "shetphone")
        buffer.append(client: "203.0.113.9", method: "POST", target: "/voice?x=1", version: .http1_1, status: 200,
                      bodyBytes: 412, micros: 1_234)
        let line = String(decoding: buffer.bytes, as: UTF8.self)
        XCTAssertTrue(line.hasSuffix(" info shetphone: [Web] 203.0.113.9 \"POST /voice?x=1 HTTP/1.1\" 200 412 1.2ms\n"), line)
        // 2026-11-30T02:30:56+0000: the timestamp swift-log's StreamLogHandler writes.
        let stamp = line.prefix(while: { $0 != " " })
        XCTAssertEqual(stamp.count, 24, line)
        XCTAssertEqual(buffer.lineCount, 1)
    }

    func testQuotesAndControlBytesInTheTargetCannotForgeALine() {
        let buffer = AccessLogBuffer(label: "t")
        buffer.append(client: "::1", method: "GET", target: "/a\"b\n2026 info forged\u{7F}é", version: .http1_0,
                      status: 404, bodyBytes: 0, micros: 0)
        let line = String(decoding: buffer.bytes, as: UTF8.self)
        XCTAssertTrue(line.hasSuffix("\"GET /a?b?2026 info forged??? HTTP/1.0\" 404 0 0.0ms\n"), line)
        XCTAssertEqual(line.filter { $0 == "\n" }.count, 1)
    }

    func testALongTargetIsCutAt200Bytes() {
        let buffer = AccessLogBuffer(label: "t")
        buffer.append(client: "c", method: "GET", target: "/" + String(repeating: "a", count: 5_000), version: .http1_1,
                      status: 414, bodyBytes: 0, micros: 0)
        let line = String(decoding: buffer.bytes, as: UTF8.self)
        XCTAssertTrue(line.contains("\"GET /" + String(repeating: "a", count: 199) + " HTTP/1.1\""), line)
    }

    func testWriteLinesWritesEveryByteInLineAlignedPieces() {
        var text = ""
        for n in 0..<2_000 { text += "line \(n) " + String(repeating: "x", count: n % 97) + "\n" }
        // One line longer than PIPE_BUF goes out whole.
        text += String(repeating: "y", count: AccessLog.pipeAtomicBytes * 3) + "\n"
        text += "last\n"
        AccessLog.writeLines(Array(text.utf8), to: fd)
        XCTAssertEqual(written(), text)
    }

    func testCloseWritesWhatEveryLoopStillHolds() {
        let log = AccessLog(loops: 2, label: "t", fd: fd)
        for n in 0..<100 {
            log.buffer(forLoop: n % 2).append(client: "c", method: "GET", target: "/\(n)", version: .http1_1,
                                              status: 200, bodyBytes: n, micros: 0)
        }
        XCTAssertEqual(written(), "", "nothing is written before a flush")
        log.close()
        let lines = written().split(separator: "\n")
        XCTAssertEqual(lines.count, 100)
        for n in 0..<100 {
            XCTAssertEqual(lines.filter { $0.contains("\"GET /\(n) HTTP/1.1\" 200 \(n) ") }.count, 1, "line \(n)")
        }
    }

    func testAFullBufferGoesToTheWriterWithoutWaitingForTheSweep() {
        let log = AccessLog(loops: 1, label: "t", fd: fd)
        let buffer = log.buffer(forLoop: 0)
        var count = 0
        while buffer.byteCount < AccessLog.flushBytes {
            buffer.append(client: "c", method: "GET", target: "/\(count)", version: .http1_1, status: 200,
                          bodyBytes: 0, micros: 0)
            count += 1
        }
        log.flushIfNeeded(buffer, force: false)
        XCTAssertEqual(buffer.byteCount, 0)
        log.close()
        XCTAssertEqual(written().split(separator: "\n").count, count)
    }
}
