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

    func testEveryByteOfTheTargetIsKeptOrReplacedWhereverItFallsInAWord() {
        // Every ASCII byte, and multi-byte characters, at every offset from the eight-byte words
        // the target is copied in, and pieces shorter than a word.
        let ascii = (0..<128).map { Character(Unicode.Scalar(UInt8($0))) }
        for offset in 0..<8 {
            for first in stride(from: 0, to: 128, by: 13) {
                let piece = String(ascii[first..<min(128, first + 13)]) + "é€😀/x"
                let text = String(repeating: "a", count: offset) + piece
                let buffer = AccessLogBuffer(label: "t")
                buffer.append(client: "c", method: "GET", target: text, version: .http1_1, status: 200, bodyBytes: 0,
                              micros: 0)
                let expected = Array(text.utf8).map { $0 >= 0x20 && $0 < 0x7F && $0 != 0x22 ? $0 : 0x3F }
                // The target sits between the method and " HTTP/1.1": everything before it is fixed.
                let line = buffer.bytes
                let end = line.count - Array(" HTTP/1.1\" 200 0 0.0ms\n".utf8).count
                XCTAssertEqual(Array(line[(end - expected.count)..<end]), expected, "offset \(offset), from \(first)")
                XCTAssertEqual(Array(line[(end - expected.count - 5)..<(end - expected.count)]), Array("\"GET ".utf8))
            }
        }
    }

    func testAWordIsPlainTextOnlyWhenEveryByteIsPrintableAndNoneIsAQuote() {
        let plain = Array("abcdefgh".utf8)
        for position in 0..<8 {
            for value in 0...255 {
                var bytes = plain
                bytes[position] = UInt8(value)
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                let expected = value >= 0x20 && value < 0x7F && value != 0x22
                XCTAssertEqual(AccessLogBuffer.isPlainText(word), expected, "byte \(value) at \(position)")
            }
        }
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
        Array(text.utf8).withUnsafeBytes { AccessLog.writeLines($0, to: fd) }
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

    func testLinesAppendedPastAFlushWithoutOneAreAllKept() {
        let log = AccessLog(loops: 1, label: "t", fd: fd)
        let buffer = log.buffer(forLoop: 0)
        // Three chunks' worth with no flush in between: the chunk grows instead of overflowing.
        var count = 0
        while buffer.byteCount < 3 * AccessLog.flushBytes {
            buffer.append(client: "c", method: "GET", target: "/" + String(repeating: "z", count: 300), version: .http1_1,
                          status: 200, bodyBytes: count, micros: 0)
            count += 1
        }
        XCTAssertEqual(buffer.lineCount, count)
        log.close()
        let lines = written().split(separator: "\n")
        XCTAssertEqual(lines.count, count)
        for (n, line) in lines.enumerated() {
            XCTAssertTrue(line.hasSuffix("\"GET /" + String(repeating: "z", count: 199) + " HTTP/1.1\" 200 \(n) 0.0ms"), String(line))
        }
    }

    func testNumbersAndTheDurationAreWrittenInDecimal() {
        let buffer = AccessLogBuffer(label: "t")
        buffer.append(client: "c", method: "GET", target: "/", version: HTTPVersion(major: 1, minor: 0), status: 599,
                      bodyBytes: Int.max, micros: 12_345_678)
        buffer.append(client: "c", method: "GET", target: "/", version: HTTPVersion(major: -1, minor: 10), status: 0,
                      bodyBytes: -5, micros: 99)
        let lines = String(decoding: buffer.bytes, as: UTF8.self).split(separator: "\n")
        XCTAssertTrue(lines[0].hasSuffix("\"GET / HTTP/1.0\" 599 9223372036854775807 12345.6ms"), String(lines[0]))
        // Negative numbers cannot come from a response; written as 0 if they did.
        XCTAssertTrue(lines[1].hasSuffix("\"GET / HTTP/0.10\" 0 0 0.0ms"), String(lines[1]))
    }

    func testAWriterThatCannotKeepUpDropsAndCountsChunksAndTheLoopNeverWaits() throws {
        // Standard error is a pipe nobody reads yet: the writer blocks in write() once it is full.
        var ends: [Int32] = [0, 0]
        XCTAssertEqual(pipe(&ends), 0)
        let log = AccessLog(loops: 1, label: "t", fd: ends[1], maxQueuedChunks: 2)
        let buffer = log.buffer(forLoop: 0)
        var appended = 0
        for _ in 0..<20 {
            while buffer.byteCount < AccessLog.flushBytes {
                buffer.append(client: "c", method: "GET", target: "/\(appended)", version: .http1_1, status: 200,
                              bodyBytes: 0, micros: 0)
                appended += 1
            }
            // Returns at once whether the writer took the chunk or not: this is the loop's side.
            log.flushIfNeeded(buffer, force: false)
        }
        let dropped = log.droppedLineCount
        XCTAssertGreaterThan(dropped, 0, "20 chunks cannot fit in a 64 KiB pipe, one write and a queue of 2")
        // Now someone reads: everything not dropped arrives, in order, in whole lines.
        let received = PipeText()
        let reader = Thread { [readEnd = ends[0]] in
            var chunk = [UInt8](repeating: 0, count: 65_536)
            var all: [UInt8] = []
            while true {
                let n = read(readEnd, &chunk, chunk.count)
                if n <= 0 { break }
                all += chunk[0..<n]
            }
            received.set(String(decoding: all, as: UTF8.self))
        }
        reader.start()
        log.close()
        close(ends[1])
        while !received.isSet { usleep(1_000) }
        close(ends[0])
        let lines = received.text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        XCTAssertEqual(lines.count, appended - dropped)
        let numbers = lines.compactMap { line in
            line.split(separator: " ").first { $0.hasPrefix("/") }.flatMap { Int($0.dropFirst()) }
        }
        XCTAssertEqual(numbers.count, lines.count, "every line is whole")
        XCTAssertEqual(numbers, numbers.sorted(), "chunks are written in the order they were handed over")
        XCTAssertEqual(numbers.first, 0)
    }
}

/// What the pipe reader of a test read, handed to the test thread.
private final class PipeText: @unchecked Sendable {
    private let lock = NSLock()
    private var value: String?
    func set(_ text: String) { lock.withLock { value = text } }
    var isSet: Bool { lock.withLock { value != nil } }
    var text: String { lock.withLock { value ?? "" } }
}
