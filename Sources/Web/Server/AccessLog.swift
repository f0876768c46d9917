import Glibc

/// The access log: one line per response, formatted on the loop that answered into that loop's
/// own buffer (`AccessLogBuffer`, no lock, no allocation per line) and written to standard error
/// by one writer thread of its own. A loop hands over a whole chunk of lines (`flushBytes`, or
/// what it holds at its next sweep, within ~250 ms) and takes an emptied one back: one lock and
/// one wake-up of the writer per chunk, one `write` per chunk (line-aligned `PIPE_BUF` pieces
/// when standard error is a pipe or socket). The loop never waits for the disk: when the writer
/// falls `maxQueuedChunks` behind, further chunks are dropped and counted.
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
    private let queueLimit: Int
    /// PIPE_BUF on Linux: a write up to this size to a pipe is never interleaved with another.
    static let pipeAtomicBytes = 4096
    /// Emptied chunks kept for the loops to take back (more are freed).
    private static let maxSpareChunks = 8

    private let buffers: [AccessLogBuffer]
    private let fd: Int32
    /// Standard error is a pipe or a socket (journald, a supervisor): other threads' log lines
    /// go there too, so writes are cut at line ends into pieces that are written whole.
    private let writesPipePieces: Bool
    private let chunkCapacity: Int
    private let lock = Mutex()
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    /// Guarded by `lock`.
    private var queued: [AccessLogChunk] = []
    private var spare: [AccessLogChunk] = []
    private var stopping = false
    private var droppedLines = 0
    private var writer: pthread_t?

    /// One buffer per loop (`loops`), lines prefixed with `label`, written to `fd` (2: stderr);
    /// at most `maxQueuedChunks` chunks wait for the writer.
    init(loops: Int, label: String, fd: Int32 = 2, maxQueuedChunks: Int = AccessLog.maxQueuedChunks) {
        self.fd = fd
        queueLimit = max(1, maxQueuedChunks)
        buffers = (0..<max(1, loops)).map { _ in AccessLogBuffer(label: label) }
        chunkCapacity = buffers[0].chunkCapacity
        var status = stat()
        let kind = fstat(fd, &status) == 0 ? status.st_mode & S_IFMT : 0
        writesPipePieces = kind == S_IFIFO || kind == S_IFSOCK
        wake = .allocate(capacity: 1)
        pthread_cond_init(wake, nil)
        queued.reserveCapacity(queueLimit)
        spare.reserveCapacity(AccessLog.maxSpareChunks)
        // Retained by the thread until it ends (`close`). Nice 0: the log must keep up with the
        // loops, it is their own output.
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<AccessLog>.fromOpaque(raw).takeRetainedValue().writeQueued()
            return nil
        }, box.toOpaque())
        writer = thread
    }

    deinit {
        for chunk in queued + spare { chunk.free() }
        pthread_cond_destroy(wake)
        wake.deallocate()
    }

    /// The buffer of loop `index`; only that loop's thread touches it while the loops run.
    func buffer(forLoop index: Int) -> AccessLogBuffer {
        index < buffers.count ? buffers[index] : buffers[index % buffers.count]
    }

    /// Hands `buffer`'s lines to the writer when it is full or when `force` (the sweep).
    @inline(__always)
    func flushIfNeeded(_ buffer: AccessLogBuffer, force: Bool) {
        guard buffer.byteCount >= (force ? 1 : AccessLog.flushBytes) else { return }
        handOver(buffer)
    }

    /// Lines given up because the writer could not keep up (standard error blocked).
    var droppedLineCount: Int { lock.withLock { droppedLines } }

    /// Stops the writer once it has written everything handed to it, then writes what every
    /// buffer still holds. Call after the loops have stopped.
    func close() {
        lock.lock()
        let thread = writer
        writer = nil
        stopping = true
        lock.unlock()
        guard let thread else { return }
        pthread_cond_signal(wake)
        pthread_join(thread, nil)
        for buffer in buffers where buffer.byteCount > 0 {
            buffer.bytes.withUnsafeBytes { write($0) }
            buffer.discardLines()
        }
    }

    private func write(_ bytes: UnsafeRawBufferPointer) {
        if writesPipePieces {
            AccessLog.writeLines(bytes, to: fd)
        } else {
            AccessLog.writeAll(bytes, to: fd)
        }
    }

    private func handOver(_ buffer: AccessLogBuffer) {
        lock.lock()
        guard queued.count < queueLimit && !stopping else {
            droppedLines += buffer.lineCount
            lock.unlock()
            buffer.discardLines()
            return
        }
        let empty = spare.popLast() ?? .allocate(capacity: chunkCapacity)
        queued.append(buffer.handOver(for: empty))
        lock.unlock()
        pthread_cond_signal(wake)
    }

    /// The writer thread: takes every queued chunk at once, writes them, gives them back emptied.
    private func writeQueued() {
        var batch: [AccessLogChunk] = []
        batch.reserveCapacity(queueLimit)
        lock.lock()
        while true {
            if queued.isEmpty {
                if stopping { break }
                lock.withRawMutex { pthread_cond_wait(wake, $0) }
                continue
            }
            swap(&batch, &queued)
            lock.unlock()
            for chunk in batch { write(chunk.bytes) }
            lock.lock()
            for chunk in batch {
                if spare.count < AccessLog.maxSpareChunks { spare.append(chunk.emptied()) } else { chunk.free() }
            }
            batch.removeAll(keepingCapacity: true)
        }
        lock.unlock()
    }

    /// Writes every byte (a file: one `write` unless it is cut short).
    static func writeAll(_ bytes: UnsafeRawBufferPointer, to fd: Int32) {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(fd, base + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                return
            }
            offset += written
        }
    }

    /// Writes whole lines, at most `pipeAtomicBytes` a write, so a line is never torn apart by
    /// another thread's log line on a pipe (journald, a supervisor).
    static func writeLines(_ bytes: UnsafeRawBufferPointer, to fd: Int32) {
        var start = 0
        while start < bytes.count {
            let end = pipePieceEnd(bytes, from: start)
            writeAll(UnsafeRawBufferPointer(rebasing: bytes[start..<end]), to: fd)
            start = end
        }
    }

    /// Where the piece of `bytes` that starts at `start` ends: at most `pipeAtomicBytes` on, cut
    /// back to the last line end inside it; one over-long line goes whole.
    static func pipePieceEnd(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Int {
        let end = min(bytes.count, start + pipeAtomicBytes)
        guard end < bytes.count else { return end }
        var cut = end
        while cut > start && bytes[cut - 1] != 0x0A { cut -= 1 }
        return cut > start ? cut : (bytes[start...].firstIndex(of: 0x0A).map { $0 + 1 } ?? bytes.count)
    }
}
