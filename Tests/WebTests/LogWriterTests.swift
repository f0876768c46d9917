import Foundation
import Glibc
import Web
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
        for index in 0..<total {
            writer.write("line \(String(index + 100_000)) " + String(repeating: "y", count: 87) + "\n")
        }
        let dropped = writer.droppedLineCount
        // Through at most: the pipe, the batch the writer is stuck on, and a full queue.
        XCTAssertGreaterThan(dropped, total - (4096 + 2 * 8 * 1024) / 100 - 1, "the queue held more than its bound")
        XCTAssertLessThan(dropped, total)

        let reader = Reader(pipe)
        writer.stop()
        let lines = reader.finish()
        // Each report stands where its lines were lost: the numbers around it skip exactly that many.
        var expected = 100_000, reports = 0
        for line in lines {
            if line.hasPrefix("line "), let number = Int(line.dropFirst(5).prefix(6)) {
                XCTAssertEqual(number, expected, "line \(number) in order, the gap before it reported")
                expected = number + 1
            } else if let count = Self.droppedCount(line) {
                XCTAssertTrue(line.contains(" warning shetphone: [Web] "), line)
                expected += count
                reports += 1
            } else {
                XCTFail("torn or foreign line: \(line)")
            }
        }
        XCTAssertEqual(expected, 100_000 + total, "every line written or reported")
        XCTAssertGreaterThan(reports, 0)
        XCTAssertTrue(lines.last.flatMap(Self.droppedCount) != nil, "the last lines were lost and said so")
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
