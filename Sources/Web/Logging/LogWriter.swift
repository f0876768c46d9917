import CLinux
import Glibc
import Synchronization

/// Application log lines on their way to a file descriptor (standard error), written by one
/// writer thread of their own while it runs, so a thread that logs — an event loop — never waits
/// for whoever reads standard error (a slow journald, a stopped `| less`, a backed-up container
/// log driver).
///
/// The logging thread hands over its formatted line and returns: the line joins a queue bounded
/// by `maxQueuedBytes`, and when that is full the line is dropped and counted. As soon as the
/// writer has written enough to make room, a line of its own, `N log lines dropped: stderr was
/// not being read`, is queued where the lost lines were. Lines from one thread keep their order
/// (one queue, one writer); the writer takes everything queued at once and writes it in one go
/// (line-aligned `PIPE_BUF` pieces on a pipe or socket, as the access log does).
///
/// Before `start()` and after `stop()` a line is written at once by the thread that logs it, so
/// the lines of start-up, of an error before exit and of the command-line tools (which never
/// start the writer) still appear. `stop()` returns once every queued line is written, and a
/// fatal signal writes what is still queued before the process dies
/// (`writeQueuedLinesOnFatalSignals`).
///
/// The queue is one fixed block of bytes (`LogRing`): a line is copied in under the lock, and the
/// writer writes straight from a copy of what it took, marking each piece written as it goes.
public final class LogWriter: @unchecked Sendable {
    /// Standard error: where `StandardErrorLogHandler` and `shetphone`'s own messages write.
    public static let standardError = LogWriter(fd: 2)
    /// Queued bytes beyond which lines are dropped: about 3,000 lines. Application lines are
    /// rare (the access log has its own writer), so this is a burst, not a backlog.
    public static let defaultMaxQueuedBytes = 256 * 1024
    /// A dropped-lines line is written only into this much room, so a queue that stays full
    /// does not format one for every line it drops.
    private static let reportRoom = 160

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
    let ring: LogRing
    /// Offsets into `ring`: `head` is the first byte not yet written, `tail` the end of what is
    /// queued. Changed under `lock`, but for the fatal-signal path, which reads both and moves
    /// `head` on past what it wrote without it (so `head` only ever grows: `max`).
    let head = Atomic<Int>(0)
    let tail = Atomic<Int>(0)
    /// Bytes from `head` on that the writer is writing now (0: none).
    let inFlight = Atomic<Int>(0)
    /// A fatal signal's handler is writing the queue: the writer starts no piece meanwhile.
    let dying = Atomic<Bool>(false)
    /// The writer thread's id while it runs (0: none), for the fatal-signal path.
    let writerThread = Atomic<UInt>(0)
    /// Lines dropped and not yet reported, read without the lock on the fatal-signal path.
    let unreported = Atomic<Int>(0)
    /// `<label>: ` for the fatal-signal path's dropped-lines line (no time: nothing formats there).
    private(set) var reportPrefix: [UInt8] = []
    /// Guarded by `lock`.
    private var state = State.direct
    private var dropped = 0
    private var label = ""
    /// Set by `start()`: standard error is a pipe or socket, written in whole-line pieces.
    private var writesPipePieces = false

    public init(fd: Int32, maxQueuedBytes: Int = LogWriter.defaultMaxQueuedBytes) {
        self.fd = fd
        self.maxQueuedBytes = max(LogWriter.reportRoom, maxQueuedBytes)
        ring = LogRing(capacity: self.maxQueuedBytes)
        wake = .allocate(capacity: 1)
        pthread_cond_init(wake, nil)
    }

    deinit {
        ring.free()
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
        guard case .direct = state, !dying.load(ordering: .acquiring) else { return }
        self.label = label
        reportPrefix = Array("\(label): ".utf8)
        var status = stat()
        let kind = fstat(fd, &status) == 0 ? status.st_mode & S_IFMT : 0
        writesPipePieces = kind == S_IFIFO || kind == S_IFSOCK
        // The thread is born with every signal but the fatal ones blocked (it inherits this
        // thread's mask), so a SIGTERM meant for `serve`'s `sigwait` never lands on it.
        var quiet = sigset_t(), saved = sigset_t()
        sigfillset(&quiet)
        for signal in LogWriter.fatalSignals { sigdelset(&quiet, signal) }
        pthread_sigmask(SIG_SETMASK, &quiet, &saved)
        defer { pthread_sigmask(SIG_SETMASK, &saved, nil) }
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
        writerThread.store(UInt(thread), ordering: .releasing)
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
        writerThread.store(0, ordering: .releasing)
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
        let wasEmpty = head.load(ordering: .relaxed) == tail.load(ordering: .relaxed)
        appendReportIfDue()
        if !append(line) {
            unreported.add(1, ordering: .relaxed)
            dropped += 1
        }
        lock.unlock()
        // The writer sleeps only on an empty queue.
        if wasEmpty { pthread_cond_signal(wake) }
    }

    /// Copies `line` in at the tail when it fits. Under `lock`.
    private func append(_ line: String) -> Bool {
        var line = line
        return line.withUTF8 { bytes in
            let end = tail.load(ordering: .relaxed)
            guard bytes.count <= ring.capacity - (end - head.load(ordering: .relaxed)) else { return false }
            ring.put(UnsafeRawBufferPointer(bytes), at: end)
            tail.store(end + bytes.count, ordering: .releasing)
            return true
        }
    }

    /// Queues the count of lines dropped since the last report, once there is room for it: after
    /// the lines queued before the loss, before any queued after it. Under `lock`.
    private func appendReportIfDue() {
        let lost = unreported.load(ordering: .relaxed)
        guard lost > 0,
              ring.capacity - (tail.load(ordering: .relaxed) - head.load(ordering: .relaxed)) >= LogWriter.reportRoom else { return }
        let report = "\(LogTimestamp.shared.now()) warning \(label): [Web] \(lost) log lines dropped: stderr was not being read\n"
        if append(report) { unreported.store(0, ordering: .relaxed) }
    }

    /// The writer thread: copies out everything queued, writes it piece by piece (whole lines
    /// of at most `PIPE_BUF` on a pipe), and frees each piece's room once it is written. Ends when
    /// draining and empty. While a fatal signal's handler writes the queue it waits, then starts
    /// again from what the handler left (a process can outlive the signal: the Swift runtime's
    /// backtracer lets one sent by `kill` pass).
    private func writeQueued() {
        pthread_setname_np(pthread_self(), "log-writer")
        let batch = UnsafeMutablePointer<UInt8>.allocate(capacity: ring.capacity)
        defer { batch.deallocate() }
        lock.lock()
        while true {
            if dying.load(ordering: .acquiring) {
                lock.unlock()
                usleep(10_000)
                lock.lock()
                continue
            }
            let from = head.load(ordering: .relaxed), to = tail.load(ordering: .relaxed)
            if from == to {
                if case .draining = state { break }
                lock.withRawMutex { pthread_cond_wait(wake, $0) }
                continue
            }
            lock.unlock()
            let (first, second) = ring.runs(from: from, to: to)
            UnsafeMutableRawPointer(batch).copyMemory(from: first.baseAddress!, byteCount: first.count)
            if let rest = second.baseAddress {
                UnsafeMutableRawPointer(batch + first.count).copyMemory(from: rest, byteCount: second.count)
            }
            let bytes = UnsafeRawBufferPointer(start: batch, count: to - from)
            var done = 0
            while done < bytes.count {
                let end = writesPipePieces ? AccessLog.pipePieceEnd(bytes, from: done) : bytes.count
                inFlight.store(end - done, ordering: .sequentiallyConsistent)
                if dying.load(ordering: .sequentiallyConsistent) {
                    // The handler writes this and the rest.
                    inFlight.store(0, ordering: .sequentiallyConsistent)
                    break
                }
                AccessLog.writeAll(UnsafeRawBufferPointer(rebasing: bytes[done..<end]), to: fd)
                lock.lock()
                // Never back: a handler that gave up waiting for this piece may have moved it on.
                head.max(from + end, ordering: .releasing)
                inFlight.store(0, ordering: .releasing)
                appendReportIfDue()
                lock.unlock()
                done = end
            }
            lock.lock()
        }
        state = .direct
        lock.unlock()
    }
}
