import Glibc

/// The access log: one line per response, formatted on the loop that answered into that loop's
/// own buffer (`AccessLogBuffer`, no lock, no allocation per line) and written to standard error
/// by one writer thread, when a buffer fills or at its loop's next sweep (within ~250 ms).
///
/// Lines look like swift-log's `StreamLogHandler` lines at info level, so one log holds both:
/// `2026-11-30T02:30:56+0000 info shetphone: [Web] 127.0.0.1 "GET / HTTP/1.1" 200 1024 0.1ms`.
/// `close()` runs after the loops have stopped (`HTTPServer.shutdown`) and writes every line
/// still buffered, so a clean shutdown loses none.
final class AccessLog: @unchecked Sendable {
    /// A buffer is handed to the writer once it holds this many bytes.
    static let flushBytes = 32 * 1024
    /// Chunks waiting for the writer beyond this are dropped (and counted) rather than held.
    static let maxQueuedChunks = 256
    /// PIPE_BUF on Linux: a write up to this size to a pipe is never interleaved with another.
    static let pipeAtomicBytes = 4096

    private let buffers: [AccessLogBuffer]
    private let writer: WorkerPool
    private let fd: Int32
    private let dropped = Mutex()
    private var droppedLines = 0

    /// One buffer per loop (`loops`), lines prefixed with `label`, written to `fd` (2: stderr).
    init(loops: Int, label: String, fd: Int32 = 2) {
        self.fd = fd
        buffers = (0..<max(1, loops)).map { _ in AccessLogBuffer(label: label) }
        // Nice 0: the log must keep up with the loops, it is their own output.
        writer = WorkerPool(threads: 1, maxQueued: AccessLog.maxQueuedChunks, niceness: 0)
    }

    /// The buffer of loop `index`; only that loop's thread touches it while the loops run.
    func buffer(forLoop index: Int) -> AccessLogBuffer { buffers[index % buffers.count] }

    /// Hands `buffer`'s lines to the writer when it is full or when `force` (the sweep).
    func flushIfNeeded(_ buffer: AccessLogBuffer, force: Bool) {
        guard buffer.byteCount >= (force ? 1 : AccessLog.flushBytes) else { return }
        let chunk = buffer.take()
        let fd = self.fd
        let lines = chunk.lineCount
        if !writer.submit({ AccessLog.writeLines(chunk.bytes, to: fd) }) {
            dropped.withLock { droppedLines += lines }
        }
    }

    /// Lines given up because the writer could not keep up (standard error blocked).
    var droppedLineCount: Int { dropped.withLock { droppedLines } }

    /// Writes what every buffer holds and stops the writer once it has written everything.
    /// Call after the loops have stopped.
    func close() {
        for buffer in buffers { flushIfNeeded(buffer, force: true) }
        writer.shutdown()
    }

    /// Writes whole lines, at most `pipeAtomicBytes` a write, so a line is never torn apart by
    /// another thread's log line on a pipe (journald, a supervisor).
    static func writeLines(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            var start = 0
            while start < raw.count {
                var end = min(raw.count, start + pipeAtomicBytes)
                if end < raw.count {
                    // Back to the last line end inside this piece; one over-long line goes whole.
                    var cut = end
                    while cut > start && raw[cut - 1] != 0x0A { cut -= 1 }
                    end = cut > start ? cut : (raw[start...].firstIndex(of: 0x0A).map { $0 + 1 } ?? raw.count)
                }
                var offset = start
                while offset < end {
                    let written = write(fd, base + offset, end - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        return
                    }
                    offset += written
                }
                start = end
            }
        }
    }
}
