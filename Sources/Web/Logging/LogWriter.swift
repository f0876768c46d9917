import Glibc

/// Application log lines on their way to a file descriptor (standard error), written by one
/// writer thread of their own while it runs, so a thread that logs — an event loop — never waits
/// for whoever reads standard error (a slow journald, a stopped `| less`, a backed-up container
/// log driver).
///
/// The logging thread hands over its formatted line and returns: the line joins a queue bounded
/// by `maxQueuedBytes`, and when that is full the line is dropped and counted. Once the writer
/// can write again it says so in a line of its own, `N log lines dropped: stderr was not being
/// read`, where the lost lines were. Lines from one thread keep their order (one queue, one
/// writer); the writer takes everything queued at once and writes it in one go (line-aligned
/// `PIPE_BUF` pieces on a pipe or socket, as the access log does).
///
/// Before `start()` and after `stop()` a line is written at once by the thread that logs it, so
/// the lines of start-up, of an error before exit and of the command-line tools (which never
/// start the writer) still appear. `stop()` returns once every queued line is written.
public final class LogWriter: @unchecked Sendable {
    /// Standard error: where `StandardErrorLogHandler` and `shetphone`'s own messages write.
    public static let standardError = LogWriter(fd: 2)
    /// Queued bytes beyond which lines are dropped: about 3,000 lines. Application lines are
    /// rare (the access log has its own writer), so this is a burst, not a backlog.
    public static let defaultMaxQueuedBytes = 256 * 1024

    private enum State {
        /// No writer thread: the logging thread writes.
        case direct
        /// The writer thread runs and takes the queue.
        case queueing(pthread_t)
        /// `stop()` waits for the writer to write what is queued and end.
        case draining
    }

    public let fd: Int32
    public let maxQueuedBytes: Int
    private let lock = Mutex()
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    /// Guarded by `lock`.
    private var state = State.direct
    private var queued: [String] = []
    private var queuedBytes = 0
    /// Lines dropped since the writer last reported them.
    private var unreported = 0
    private var dropped = 0
    private var label = ""
    /// Set by `start()`: standard error is a pipe or socket, written in whole-line pieces.
    private var writesPipePieces = false

    public init(fd: Int32, maxQueuedBytes: Int = LogWriter.defaultMaxQueuedBytes) {
        self.fd = fd
        self.maxQueuedBytes = max(1, maxQueuedBytes)
        wake = .allocate(capacity: 1)
        pthread_cond_init(wake, nil)
    }

    deinit {
        pthread_cond_destroy(wake)
        wake.deallocate()
    }

    /// Every line dropped because the queue was full, since this writer was made.
    public var droppedLineCount: Int { lock.withLock { dropped } }

    /// Starts the writer thread; `label` names the logger in its dropped-lines line. Start it
    /// after any `fork` (a child keeps only the forking thread). Does nothing if it runs already.
    public func start(label: String) {
        lock.lock()
        defer { lock.unlock() }
        guard case .direct = state else { return }
        self.label = label
        var status = stat()
        let kind = fstat(fd, &status) == 0 ? status.st_mode & S_IFMT : 0
        writesPipePieces = kind == S_IFIFO || kind == S_IFSOCK
        // Retained by the thread until it ends (`stop`).
        let box = Unmanaged.passRetained(self)
        var thread = pthread_t()
        guard pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<LogWriter>.fromOpaque(raw).takeRetainedValue().writeQueued()
            return nil
        }, box.toOpaque()) == 0 else {
            box.release()
            return
        }
        state = .queueing(thread)
    }

    /// Writes every queued line, ends the writer thread and goes back to writing at once.
    /// Waits as long as the reader of `fd` takes: nothing queued is lost on the way out.
    public func stop() {
        lock.lock()
        guard case .queueing(let thread) = state else {
            lock.unlock()
            return
        }
        state = .draining
        lock.unlock()
        pthread_cond_signal(wake)
        pthread_join(thread, nil)
    }

    /// Hands `line` (ending in a newline) to the writer, or drops it when the queue is full;
    /// writes it at once when no writer runs.
    public func write(_ line: String) {
        lock.lock()
        if case .direct = state {
            lock.unlock()
            var line = line
            line.withUTF8 { AccessLog.writeAll(UnsafeRawBufferPointer($0), to: fd) }
            return
        }
        let size = line.utf8.count
        guard queuedBytes + size <= maxQueuedBytes else {
            unreported += 1
            dropped += 1
            lock.unlock()
            return
        }
        let wasEmpty = queued.isEmpty
        queued.append(line)
        queuedBytes += size
        lock.unlock()
        // The writer sleeps only on an empty queue.
        if wasEmpty { pthread_cond_signal(wake) }
    }

    /// The writer thread: takes the whole queue, writes it, then reports lines dropped meanwhile
    /// (they came after the lines it held: the queue was full). Ends when draining and empty.
    private func writeQueued() {
        var batch: [String] = []
        var bytes: [UInt8] = []
        lock.lock()
        while true {
            if queued.isEmpty && unreported == 0 {
                if case .draining = state { break }
                lock.withRawMutex { pthread_cond_wait(wake, $0) }
                continue
            }
            swap(&batch, &queued)
            queuedBytes = 0
            let lost = unreported
            unreported = 0
            let label = self.label
            lock.unlock()
            bytes.removeAll(keepingCapacity: true)
            for line in batch { bytes.append(contentsOf: line.utf8) }
            batch.removeAll(keepingCapacity: true)
            if lost > 0 {
                let report = "\(LogTimestamp.shared.now()) warning \(label): [Web] \(lost) log lines dropped: stderr was not being read\n"
                bytes.append(contentsOf: report.utf8)
            }
            bytes.withUnsafeBytes { writesPipePieces ? AccessLog.writeLines($0, to: fd) : AccessLog.writeAll($0, to: fd) }
            lock.lock()
        }
        state = .direct
        lock.unlock()
    }
}
