import CLinux
import Glibc

/// A few threads for work too slow for an event loop (bcrypt, file writes).
/// Jobs run in submission order across the threads; the queue is bounded.
public final class WorkerPool: @unchecked Sendable {
    private let lock = Mutex()
    private var condition = pthread_cond_t()
    private var jobs: [() -> Void] = []
    private var head = 0
    private var stopping = false
    private var threads: [pthread_t] = []
    /// Jobs waiting beyond this are refused (`submit` returns false) so memory stays bounded.
    public let maxQueued: Int

    /// Nice value of the worker threads (10): the event loops win the CPU whenever both want it,
    /// so a burst of bcrypt checks does not delay anybody's WebSocket traffic.
    public let niceness: Int32

    /// What a slot holds once its job has been taken.
    private static let taken: () -> Void = {}

    public init(threads count: Int, maxQueued: Int = 10_000, niceness: Int32 = 10) {
        self.maxQueued = maxQueued
        self.niceness = niceness
        pthread_cond_init(&condition, nil)
        for _ in 0..<max(1, count) {
            let box = Unmanaged.passRetained(self)
            var tid = pthread_t()
            pthread_create(&tid, nil, { raw in
                let pool = Unmanaged<WorkerPool>.fromOpaque(raw!).takeRetainedValue()
                // Linux nice values are per thread: this lowers only the worker, not the process.
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(gettid()), pool.niceness)
                pool.work()
                return nil
            }, box.toOpaque())
            threads.append(tid)
        }
    }

    /// Queues `job`; false when the queue is full.
    @discardableResult
    public func submit(_ job: @escaping () -> Void) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !stopping, jobs.count - head < maxQueued else { return false }
        jobs.append(job)
        pthread_cond_signal(&condition)
        return true
    }

    /// Lets queued jobs finish, then stops the threads.
    public func shutdown() {
        lock.lock()
        stopping = true
        pthread_cond_broadcast(&condition)
        lock.unlock()
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
    }

    private func work() {
        while true {
            lock.lock()
            while head == jobs.count && !stopping {
                lock.withRawMutex { pthread_cond_wait(&condition, $0) }
            }
            if head == jobs.count && stopping {
                lock.unlock()
                return
            }
            let job = jobs[head]
            // The slot lets go of the job now: what it captured (a request body, a chunk of the
            // access log) must not live on until the queue array is compacted.
            jobs[head] = WorkerPool.taken
            head += 1
            if head > 1024 && head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            lock.unlock()
            job()
        }
    }
}
