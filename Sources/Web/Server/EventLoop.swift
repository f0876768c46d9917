import CLinux
import Glibc
import Synchronization

/// One thread with its own epoll set. A connection lives on one loop for its whole life;
/// work reaches a loop from other threads only through `execute`, woken by an eventfd.
public final class EventLoop: @unchecked Sendable {
    public let index: Int
    let epollFD: Int32
    private let wakeFD: Int32
    private let lock = Mutex()
    private var pending: [() -> Void] = []
    /// The tasks `runPending` is running now (loop thread only).
    private var runningTasks: [() -> Void] = []
    /// Set (after the task is queued) by the `execute` that wakes the loop, cleared by the loop
    /// before it takes the queue. An atomic beside the lock, so a turn with nothing queued (most
    /// of them) costs one load: no lock, no checked access to `pending`.
    private let wakePending = Atomic<Bool>(false)
    /// True while `runInOrder` runs its work (loop thread only).
    private var runningInline = false
    private var thread: pthread_t?
    private var running = true

    /// Connections by file descriptor; touched on this loop's thread only.
    var connections: [Int32: Connection] = [:]
    var listeners: [Int32: Listener] = [:]
    private var pausedListeners: [Listener] = []
    /// Called on the loop thread when a listener has a connection to accept.
    weak var server: HTTPServer?
    /// One read buffer per loop, shared by all its connections (no per-connection read buffer).
    let readBuffer: UnsafeMutableRawBufferPointer
    /// One gather buffer per loop: a small response's parts are copied here and go out in one
    /// `send` (cheaper in the kernel than a `writev` of several vectors).
    let sendBuffer: UnsafeMutableRawBufferPointer
    /// The WebSockets a shared frame may be sent to directly (see `DirectSendTable`).
    let directSend = DirectSendTable()
    private var lastSweep: UInt64 = 0
    private var sweepHooks: [(UInt64) -> Void] = []
    /// Cached `Date:` header value, refreshed once a second.
    private(set) var httpDate: String = ""
    private var httpDateSecond: Int = -1
    /// `HTTPResponseEncoder.headTail` for this second: keep-alive and closing.
    private var keepAliveTail: [UInt8] = []
    private var closingTail: [UInt8] = []

    nonisolated(unsafe) static var currentKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()

    /// The loop running on this thread, if any.
    public static var current: EventLoop? {
        guard let raw = pthread_getspecific(currentKey) else { return nil }
        return Unmanaged<EventLoop>.fromOpaque(raw).takeUnretainedValue()
    }

    public var inLoop: Bool { EventLoop.current === self }

    init(index: Int) throws {
        self.index = index
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        guard epollFD >= 0 else { throw SocketError.system("epoll_create1", errno) }
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
        guard wakeFD >= 0 else { throw SocketError.system("eventfd", errno) }
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        sendBuffer = .allocate(byteCount: 16 * 1024, alignment: 16)
        var event = epoll_event()
        event.events = EPOLLIN.rawValue
        event.data.fd = wakeFD
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
    }

    deinit {
        close(epollFD)
        close(wakeFD)
        readBuffer.deallocate()
        sendBuffer.deallocate()
    }

    /// Runs `task` on this loop's thread, soon. Safe from any thread.
    public func execute(_ task: @escaping () -> Void) {
        lock.lock()
        pending.append(task)
        lock.unlock()
        // Only the first task since the loop last looked writes the eventfd.
        if !wakePending.exchange(true, ordering: .acquiringAndReleasing) {
            var one: UInt64 = 1
            _ = write(wakeFD, &one, 8)
        }
    }

    /// Runs `work` now, on this loop's thread, when nothing handed to the loop earlier is still
    /// waiting (no pending task, not inside a task or another `runInOrder`), so it cannot
    /// overtake earlier work; otherwise hands it to `execute` like any other thread would.
    /// Saves the loop waking itself for work it could do at once (a publish to the publisher's
    /// own loop). Safe from any thread.
    func runInOrder(_ work: @escaping () -> Void) {
        guard inLoop, !runningInline, runningTasks.isEmpty else {
            execute(work)
            return
        }
        lock.lock()
        let nothingPending = pending.isEmpty
        lock.unlock()
        guard nothingPending else {
            execute(work)
            return
        }
        runningInline = true
        work()
        runningInline = false
    }

    /// Adds a function called about four times a second on the loop thread with the time in ms.
    public func addSweep(_ hook: @escaping (UInt64) -> Void) {
        if inLoop { sweepHooks.append(hook) } else { execute { self.sweepHooks.append(hook) } }
    }

    func start() {
        let box = Unmanaged.passRetained(self)
        var attributes = pthread_attr_t()
        pthread_attr_init(&attributes)
        var tid = pthread_t()
        pthread_create(&tid, &attributes, { raw in
            let loop = Unmanaged<EventLoop>.fromOpaque(raw!).takeRetainedValue()
            pthread_setspecific(EventLoop.currentKey, raw)
            loop.run()
            return nil
        }, box.toOpaque())
        thread = tid
    }

    func join() {
        if let thread { pthread_join(thread, nil) }
    }

    func stop() {
        execute { self.running = false }
    }

    func register(_ fd: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event)
    }

    func modify(_ fd: Int32, events: UInt32) {
        var event = epoll_event()
        event.events = events
        event.data.fd = fd
        epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, &event)
    }

    func unregister(_ fd: Int32) {
        epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, nil)
    }

    private func run() {
        let maxEvents = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: maxEvents)
        defer { events.deallocate() }
        while running {
            let count = epoll_wait(epollFD, events, Int32(maxEvents), 250)
            if count < 0 && errno != EINTR { break }
            for i in 0..<max(0, Int(count)) {
                let event = events[i]
                let fd = event.data.fd
                if fd == wakeFD {
                    var value: UInt64 = 0
                    _ = read(wakeFD, &value, 8)
                    continue
                }
                if let connection = connections[fd] {
                    connection.handle(events: event.events)
                } else if let listener = listeners[fd] {
                    server?.accept(on: listener, loop: self)
                }
            }
            runPending()
            let now = monotonicMillis()
            if now &- lastSweep >= 250 {
                lastSweep = now
                sweep(now)
            }
        }
        runPending()
    }

    private func runPending() {
        // A task queued after this load sets the flag after queueing and writes the eventfd, so
        // it is run on the next turn: nothing is missed by not looking at `pending` now.
        if wakePending.load(ordering: .acquiring) { runQueuedTasks() }
    }

    /// Apart from `runPending` so the checked accesses to the queues are made only when a task is
    /// queued, not on every turn.
    @inline(never)
    private func runQueuedTasks() {
        while wakePending.load(ordering: .acquiring) {
            wakePending.store(false, ordering: .releasing)
            lock.lock()
            if pending.isEmpty {
                lock.unlock()
                return
            }
            // Swapped, not copied: both arrays keep their storage, so a turn allocates nothing.
            swap(&pending, &runningTasks)
            lock.unlock()
            for task in runningTasks { task() }
            runningTasks.removeAll(keepingCapacity: true)
        }
    }

    /// Stops watching `listener` until the next sweep (after accept ran out of descriptors).
    func pauseAccepting(_ listener: Listener) {
        guard listeners[listener.fd] != nil, !pausedListeners.contains(where: { $0 === listener }) else { return }
        unregister(listener.fd)
        pausedListeners.append(listener)
    }

    private func sweep(_ now: UInt64) {
        if !pausedListeners.isEmpty {
            for listener in pausedListeners where listeners[listener.fd] != nil {
                register(listener.fd, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
            }
            pausedListeners.removeAll()
        }
        for connection in connections.values where connection.deadline != 0 && connection.deadline <= now {
            connection.deadlinePassed()
        }
        for hook in sweepHooks { hook(now) }
    }

    /// The current `Date:` header value (RFC 9110 IMF-fixdate), cached per second.
    func currentHTTPDate() -> String {
        var now = timespec()
        // The coarse clock (the kernel's tick): the header counts seconds, and it is read per response.
        clock_gettime(CLOCK_REALTIME_COARSE, &now)
        let second = now.tv_sec
        if second != httpDateSecond {
            httpDateSecond = second
            httpDate = HTTPDate.format(epochSeconds: second)
            keepAliveTail = HTTPResponseEncoder.headTail(date: httpDate, keepAlive: true)
            closingTail = HTTPResponseEncoder.headTail(date: httpDate, keepAlive: false)
        }
        return httpDate
    }

    /// What follows a pre-encoded HTTP/1.1 head (`Response.encodedHead`) this second: `Date`,
    /// `Connection: close` unless `keepAlive`, the blank line. Shared bytes: nothing is built per response.
    func headTail(keepAlive: Bool) -> [UInt8] {
        _ = currentHTTPDate()
        return keepAlive ? keepAliveTail : closingTail
    }
}

/// Milliseconds on the monotonic clock.
public func monotonicMillis() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
}

/// A pthread mutex, for the few structures shared between loops.
public final class Mutex: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    public init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    public func lock() { pthread_mutex_lock(&mutex) }
    public func unlock() { pthread_mutex_unlock(&mutex) }
    func withRawMutex(_ body: (UnsafeMutablePointer<pthread_mutex_t>) -> Void) { body(&mutex) }
    @discardableResult
    public func withLock<T>(_ body: () throws -> T) rethrows -> T {
        lock()
        defer { unlock() }
        return try body()
    }
}
