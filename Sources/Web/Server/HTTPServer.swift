import CLinux
import Glibc
import Logging
import Synchronization

/// How the server listens and what it tolerates.
public struct ServerConfiguration: Sendable {
    public var listen: [ListenAddress]
    /// File mode of Unix sockets (e.g. 0o660 so only NGINX's group can connect).
    public var socketMode: mode_t?
    public var trustedProxies: TrustedProxies
    /// Event loops; default: one per core.
    public var loops: Int
    public var limits: Limits
    /// One log line per request, at info level (written only when the logger's level is info or
    /// lower), buffered per loop and written to standard error by a writer thread (`AccessLog`).
    public var accessLog: Bool
    /// Told about connections, requests and WebSockets (metrics); nil: nobody.
    public var observer: (any ServerObserver)?

    public init(listen: [ListenAddress] = [.tcp(host: "127.0.0.1", port: 8080)], socketMode: mode_t? = nil,
                trustedProxies: TrustedProxies = TrustedProxies(), loops: Int = 0, limits: Limits = Limits(),
                accessLog: Bool = true) {
        self.listen = listen
        self.socketMode = socketMode
        self.trustedProxies = trustedProxies
        self.loops = loops > 0 ? loops : ServerConfiguration.coreCount
        self.limits = limits
        self.accessLog = accessLog
    }

    public static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// The HTTP/1.1 + WebSocket server: N epoll loops sharing the listening sockets.
public final class HTTPServer: @unchecked Sendable {
    public let configuration: ServerConfiguration
    public let logger: Logger
    let handler: Handler
    /// A route's own body limit for a request head (`Router.bodyLimit`); nil: `Limits.maxBodyBytes`.
    let bodyLimit: BodyLimit?
    /// Request-body bytes held across every connection (`Limits.maxBufferedBodyBytes`).
    public let bodyBudget: RequestBodyBudget
    /// The access log, when `configuration.accessLog` is on and the logger shows info lines.
    private(set) var accessLog: AccessLog?
    let observer: (any ServerObserver)?
    /// `configuration.limits`, once for every connection to point at.
    let sharedLimits: SharedLimits
    public private(set) var loops: [EventLoop] = []
    private var listeners: [Listener] = []
    private let openConnections = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let nextLoop = Atomic<Int>(0)

    /// `bodyLimit` lets routes refuse a long body from its head (`router.bodyLimit`).
    public init(configuration: ServerConfiguration, logger: Logger, bodyLimit: BodyLimit? = nil,
                handler: @escaping Handler) {
        self.configuration = configuration
        self.logger = logger
        self.bodyLimit = bodyLimit
        self.bodyBudget = RequestBodyBudget(capacity: configuration.limits.maxBufferedBodyBytes)
        self.handler = handler
        self.observer = configuration.observer
        self.sharedLimits = SharedLimits(configuration.limits)
    }

    public var isStopping: Bool { stopping.load(ordering: .relaxed) }
    public var connectionCount: Int { openConnections.load(ordering: .relaxed) }

    /// The TCP ports actually bound, in `listen` order (0 for Unix sockets).
    public var boundPorts: [UInt16] { listeners.map(\.boundPort) }

    /// Binds every listener, then starts the loops. Throws naming the address that failed.
    public func start() throws {
        signal(SIGPIPE, SIG_IGN)
        HTTPServer.raiseFileLimit()
        for address in configuration.listen {
            do {
                listeners.append(try Listener(address: address, socketMode: configuration.socketMode))
            } catch {
                for listener in listeners { listener.close() }
                listeners = []
                throw error
            }
        }
        if configuration.accessLog && logger.logLevel <= .info {
            accessLog = AccessLog(loops: configuration.loops, label: logger.label)
        }
        for index in 0..<configuration.loops {
            let loop = try EventLoop(index: index)
            loop.server = self
            if let accessLog {
                let buffer = accessLog.buffer(forLoop: index)
                loop.addSweep { _ in accessLog.flushIfNeeded(buffer, force: true) }
            }
            for listener in listeners {
                loop.listeners[listener.fd] = listener
                loop.register(listener.fd, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
            }
            loops.append(loop)
        }
        for loop in loops { loop.start() }
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), closes idle
    /// connections, then stops the loops. Returns when everything is closed.
    public func shutdown() {
        guard !stopping.exchange(true, ordering: .relaxed) else { return }
        for loop in loops {
            loop.execute {
                for listener in loop.listeners.values { loop.unregister(listener.fd) }
                loop.listeners.removeAll()
                for connection in Array(loop.connections.values) {
                    connection.handler.connectionServerIsStopping(connection)
                }
            }
        }
        for listener in listeners { listener.close() }
        let deadline = monotonicMillis() + UInt64(configuration.limits.shutdownGraceMillis)
        while connectionCount > 0 && monotonicMillis() < deadline {
            usleep(10_000)
        }
        for loop in loops {
            loop.execute {
                for connection in Array(loop.connections.values) { connection.close() }
            }
            loop.stop()
        }
        for loop in loops { loop.join() }
        // The loops are stopped: every line is in a buffer now; write them all before returning.
        accessLog?.close()
        if let dropped = accessLog?.droppedLineCount, dropped > 0 {
            logger.warning("access log: \(dropped) lines dropped because standard error did not keep up")
        }
    }

    /// Called by a loop when a listener is readable.
    func accept(on listener: Listener, loop: EventLoop) {
        for _ in 0..<64 {
            var storage = sockaddr_storage()
            var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
            let fd = withUnsafeMutablePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept4(listener.fd, $0, &length, Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue))
                }
            }
            if fd < 0 {
                let error = errno
                if error == EMFILE || error == ENFILE {
                    // The pending connection keeps the listener readable: without a pause this loop
                    // would spin on accept. Stop watching it for a moment; the sweep re-arms it.
                    logger.error("accept on \(listener.address): out of file descriptors; pausing accepts for 250 ms")
                    loop.pauseAccepting(listener)
                }
                return
            }
            if openConnections.load(ordering: .relaxed) >= configuration.limits.maxConnections || isStopping {
                Glibc.close(fd)
                continue
            }
            openConnections.add(1, ordering: .relaxed)
            observer?.connectionOpened()
            let peer: String
            let trusted: Bool
            if listener.isUnix {
                peer = "unix"
                trusted = true
            } else {
                var one: Int32 = 1
                setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                peer = Listener.peerText(&storage)
                trusted = configuration.trustedProxies.contains(peer)
            }
            // Round-robin over the loops: a burst of connections (wrk, a proxy's pool) accepted
            // on one wake-up would otherwise all live on the loop that happened to wake.
            let target = loops[(nextLoop.wrappingAdd(1, ordering: .relaxed).oldValue & Int.max) % loops.count]
            if target === loop {
                adopt(fd, peer: peer, trusted: trusted, on: loop)
            } else {
                target.execute { [self] in adopt(fd, peer: peer, trusted: trusted, on: target) }
            }
        }
    }

    /// Lifts the soft limit on open files to the hard limit: every connection is a descriptor.
    static func raiseFileLimit() {
        var limit = rlimit()
        guard getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
    }

    /// Starts serving an accepted socket on `loop` (its thread).
    private func adopt(_ fd: Int32, peer: String, trusted: Bool, on loop: EventLoop) {
        if isStopping {
            Glibc.close(fd)
            connectionClosed()
            return
        }
        let http = HTTP1Connection(server: self, peerAddress: peer, peerIsTrustedProxy: trusted)
        let connection = Connection(loop: loop, fd: fd, peerAddress: peer, peerIsTrustedProxy: trusted,
                                    limits: sharedLimits, handler: http)
        connection.server = self
        loop.connections[fd] = connection
        loop.register(fd, events: EPOLLIN.rawValue | EPOLLRDHUP.rawValue)
        http.start(connection)
    }

    func connectionClosed() {
        openConnections.subtract(1, ordering: .relaxed)
        observer?.connectionClosed()
    }
}
