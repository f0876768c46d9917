import Foundation
import Glibc
@testable import Web
import XCTest

final class LogWriterTests: XCTestCase {
    /// A pipe: the writer writes into `write`, the test reads `read`.
    private struct Pipe {
        let read: Int32
        let write: Int32

        init(capacity: Int32? = nil) {
            var ends: [Int32] = [0, 0]
            precondition(pipe(&ends) == 0)
            read = ends[0]
            write = ends[1]
            // F_SETPIPE_SZ: the smallest pipe the kernel makes (one page), quick to fill.
            if let capacity { _ = fcntl(write, 1031, capacity) }
        }

        /// Everything until the write end is closed.
        func readAll() -> String {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 65536)
            while true {
                let count = Glibc.read(read, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { break }
                bytes += buffer[0..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        func close() {
            Glibc.close(read)
            Glibc.close(write)
        }
    }

    /// Reads the pipe on a thread of its own until `finish` closes the write end.
    private final class Reader: @unchecked Sendable {
        private let pipe: Pipe
        private let done = DispatchSemaphore(value: 0)
        private var text = ""

        init(_ pipe: Pipe) {
            self.pipe = pipe
            Thread.detachNewThread { [self] in
                text = pipe.readAll()
                done.signal()
            }
        }

        func finish() -> [String] {
            Glibc.close(pipe.write)
            done.wait()
            Glibc.close(pipe.read)
            return text.split(separator: "\n").map(String.init)
        }
    }

    func testLinesFromEachThreadComeOutInOrderAndWhole() {
        let pipe = Pipe()
        let reader = Reader(pipe)
        // Room for every line: this test is about order, not the bound.
        let writer = LogWriter(fd: pipe.write, maxQueuedBytes: 16 << 20)
        writer.write("before 0\n")
        writer.start(label: "test")
        let threads = 4, perThread = 2_000
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            for index in 0..<perThread {
                writer.write("thread \(thread) line \(index) " + String(repeating: "x", count: index % 50) + "\n")
            }
        }
        writer.stop()
        writer.write("after 0\n")
        let lines = reader.finish()

        XCTAssertEqual(writer.droppedLineCount, 0)
        XCTAssertEqual(lines.first, "before 0")
        XCTAssertEqual(lines.last, "after 0")
        XCTAssertEqual(lines.count, threads * perThread + 2)
        var next = [Int](repeating: 0, count: threads)
        for line in lines.dropFirst().dropLast() {
            let words = line.split(separator: " ")
            guard words.count >= 4, let thread = Int(words[1]), let index = Int(words[3]), thread < threads else {
                return XCTFail("torn or foreign line: \(line)")
            }
            XCTAssertEqual(index, next[thread], "thread \(thread) out of order")
            XCTAssertEqual(words.count == 5 ? words[4].count : 0, index % 50, line)
            next[thread] = index + 1
        }
        XCTAssertEqual(next, [Int](repeating: perThread, count: threads))
    }

    /// Nobody reads the pipe: the logging thread does not wait, the queue stays within its bound,
    /// the rest is counted; once the pipe is read the count comes out where the lines were lost.
    func testAFullQueueDropsAndCountsAndTheWriterReportsThemOnceItCanWrite() {
        let pipe = Pipe(capacity: 4096)
        let writer = LogWriter(fd: pipe.write, maxQueuedBytes: 8 * 1024)
        writer.start(label: "shetphone")
        let total = 5_000
        // 100 bytes a line: 500 kB against a 4 KiB pipe and an 8 KiB queue. Were the logging
        // thread to wait for the pipe, this loop would never end.
        for index in 0..<total { writer.write(Self.numbered(index)) }
        let dropped = writer.droppedLineCount
        // Through at most: the pipe, the batch the writer is stuck on, and a full queue.
        XCTAssertGreaterThan(dropped, total - (4096 + 2 * 8 * 1024) / 100 - 1, "the queue held more than its bound")
        XCTAssertLessThan(dropped, total)

        let reader = Reader(pipe)
        writer.stop()
        let lines = reader.finish()
        Self.assertEveryLineWrittenOrReported(lines, total: total)
        XCTAssertTrue(lines.last.flatMap(Self.droppedCount) != nil, "the last lines were lost and said so")
    }

    /// What a fatal signal's handler does, called here directly: with the writer stuck on a full
    /// pipe and lines dropped, it writes the queue and the count; should the process live on, the
    /// writer goes on after what the handler wrote, repeating nothing.
    func testTheFatalSignalPathWritesTheQueueAndTheWriterGoesOnFromThere() {
        let pipe = Pipe(capacity: 4096)
        let writer = LogWriter(fd: pipe.write, maxQueuedBytes: 8 * 1024)
        writer.start(label: "shetphone")
        for index in 0..<1_000 { writer.write(Self.numbered(index)) }
        XCTAssertGreaterThan(writer.droppedLineCount, 0)
        let reader = Reader(pipe)
        writer.writeQueuedOnFatalSignal()
        // The writer starts no piece while the handler runs: all that was queued, it wrote.
        XCTAssertEqual(writer.head.load(ordering: .acquiring), writer.tail.load(ordering: .acquiring))
        XCTAssertGreaterThan(writer.tail.load(ordering: .acquiring), 4 * 1024, "it had a queue to write")
        XCTAssertEqual(writer.unreported.load(ordering: .acquiring), 0, "and the count, or the writer queued it")
        for index in 1_000..<1_100 { writer.write(Self.numbered(index)) }
        writer.stop()
        let lines = reader.finish()
        Self.assertEveryLineWrittenOrReported(lines, total: 1_100)
        XCTAssertTrue(lines.contains { $0.hasPrefix("line 101099 ") } || lines.last.flatMap(Self.droppedCount) != nil)
    }

    /// `line 1xxxxx yyyy…`: 100 bytes with the newline.
    private static func numbered(_ index: Int) -> String {
        "line \(String(index + 100_000)) " + String(repeating: "y", count: 87) + "\n"
    }

    /// Lines `numbered(0..<total)` in order, each gap standing where a report of exactly that
    /// many dropped lines stands.
    private static func assertEveryLineWrittenOrReported(_ lines: [String], total: Int,
                                                        file: StaticString = #filePath, line: UInt = #line) {
        var expected = 100_000, reports = 0
        for text in lines {
            if text.hasPrefix("line "), let number = Int(text.dropFirst(5).prefix(6)) {
                XCTAssertEqual(number, expected, "line \(number) in order, the gap before it reported", file: file, line: line)
                expected = number + 1
            } else if let count = droppedCount(text) {
                XCTAssertTrue(text.contains(" warning shetphone: [Web] ") || text.hasPrefix("shetphone: "), text, file: file, line: line)
                expected += count
                reports += 1
            } else {
                XCTFail("torn or foreign line: \(text)", file: file, line: line)
            }
        }
        XCTAssertEqual(expected, 100_000 + total, "every line written or reported", file: file, line: line)
        XCTAssertGreaterThan(reports, 0, file: file, line: line)
    }

    /// N in `… N log lines dropped: stderr was not being read`.
    private static func droppedCount(_ line: String) -> Int? {
        let suffix = " log lines dropped: stderr was not being read"
        guard line.hasSuffix(suffix) else { return nil }
        return Int(line.dropLast(suffix.count).split(separator: " ").last ?? "")
    }

    /// A writer that is never started (the command-line tools) or is stopped writes at once.
    func testWithoutAWriterThreadLinesAreWrittenAtOnce() {
        let pipe = Pipe()
        let writer = LogWriter(fd: pipe.write)
        writer.write("one\n")
        writer.start(label: "x")
        writer.stop()
        writer.write("two\n")
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(pipe.read, &buffer, buffer.count)
        XCTAssertEqual(String(decoding: buffer.prefix(max(0, count)), as: UTF8.self), "one\ntwo\n")
        pipe.close()
    }
}
