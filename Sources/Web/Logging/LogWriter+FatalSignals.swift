import Glibc
import Synchronization

/// The writer whose queue a fatal signal writes out (set once, by `writeQueuedLinesOnFatalSignals`).
nonisolated(unsafe) private var fatalSignalWriter: Unmanaged<LogWriter>?
/// The actions that were in place for each signal before ours, to hand the signal on to.
nonisolated(unsafe) private var previousActions = UnsafeMutablePointer<sigaction>.allocate(capacity: Int(NSIG))

extension LogWriter {
    /// The signals a crash arrives as: a Swift trap (`fatalError`, a failed precondition),
    /// `abort()`, a bad memory access, a division fault.
    static let fatalSignals: [Int32] = [SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE, SIGSEGV]
    /// How long the fatal-signal path waits for a reader of `fd` at a time (ms), so a crash
    /// with a standard error nobody reads still ends.
    static let fatalWaitMillis: Int32 = 5_000

    /// From now on a fatal signal first writes the lines still queued (and the count of lines
    /// dropped), then goes on to what was there before: the Swift runtime's backtrace, or the
    /// default action (the process ends). Call once, after `start`.
    public func writeQueuedLinesOnFatalSignals() {
        guard fatalSignalWriter == nil else { return }
        fatalSignalWriter = Unmanaged.passRetained(self)
        for signal in LogWriter.fatalSignals {
            var action = sigaction()
            action.__sigaction_handler.sa_sigaction = { signal, info, _ in
                fatalSignalWriter?.takeUnretainedValue().writeQueuedOnFatalSignal()
                // Hand the signal on: a fault (the kernel's, code > 0) comes again as the
                // instruction is run again; one sent (kill, abort, raise) is sent again.
                sigaction(signal, previousActions + Int(signal), nil)
                if (info?.pointee.si_code ?? 0) <= 0 { raise(signal) }
            }
            action.sa_flags = SA_SIGINFO | SA_ONSTACK
            sigemptyset(&action.sa_mask)
            sigaction(signal, &action, previousActions + Int(signal))
        }
    }

    /// On a fatal signal, with no lock and no allocation: stops the writer taking another piece,
    /// waits (bounded) for the piece it is writing, then writes what is still queued and the
    /// count of lines dropped, and marks them written (should the process live on).
    func writeQueuedOnFatalSignal() {
        guard !dying.exchange(true, ordering: .sequentiallyConsistent) else { return }
        defer { dying.store(false, ordering: .sequentiallyConsistent) }
        let writer = writerThread.load(ordering: .acquiring)
        let onWriter = writer != 0 && pthread_equal(pthread_t(writer), pthread_self()) != 0
        var waited = 0
        while !onWriter && inFlight.load(ordering: .sequentiallyConsistent) > 0 && waited < Int(LogWriter.fatalWaitMillis) {
            usleep(10_000)
            waited += 10
        }
        // Still being written by a writer stuck on `fd`: it is the writer's (it goes first when
        // the reader comes back). Interrupted on this very thread: a piece is written whole or
        // not at all, so write it again.
        let skip = onWriter ? 0 : inFlight.load(ordering: .sequentiallyConsistent)
        let from = head.load(ordering: .acquiring) + skip, to = tail.load(ordering: .acquiring)
        if from < to {
            let (first, second) = ring.runs(from: from, to: to)
            // Nobody reading for `fatalWaitMillis`: give up, so the process still ends.
            guard LogWriter.writeWaiting(first, to: fd), LogWriter.writeWaiting(second, to: fd) else { return }
            head.max(to, ordering: .releasing)
        }
        let lost = unreported.load(ordering: .relaxed)
        guard lost > 0 else { return }
        unreported.subtract(lost, ordering: .relaxed)
        guard reportPrefix.withUnsafeBytes({ LogWriter.writeWaiting($0, to: fd) }) else { return }
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &digits) { buffer in
            var value = lost, at = buffer.count
            repeat {
                at -= 1
                buffer[at] = UInt8(ascii: "0") + UInt8(value % 10)
                value /= 10
            } while value > 0 && at > 0
            _ = LogWriter.writeWaiting(UnsafeRawBufferPointer(rebasing: buffer[at...]), to: fd)
        }
        StaticString(" log lines dropped: stderr was not being read\n").withUTF8Buffer {
            _ = LogWriter.writeWaiting(UnsafeRawBufferPointer($0), to: fd)
        }
    }

    /// Writes `bytes` to `fd`, waiting at most `fatalWaitMillis` at a time for room; gives up
    /// after a wait with no room or an error (false). Only calls that are safe in a signal handler.
    private static func writeWaiting(_ bytes: UnsafeRawBufferPointer, to fd: Int32) -> Bool {
        guard let base = bytes.baseAddress else { return true }
        var done = 0
        while done < bytes.count {
            var ready = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            let polled = poll(&ready, 1, fatalWaitMillis)
            if polled < 0 && errno == EINTR { continue }
            guard polled > 0 else { return false }
            let written = Glibc.write(fd, base + done, min(bytes.count - done, AccessLog.pipeAtomicBytes))
            if written < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return false
            }
            done += written
        }
        return true
    }
}
