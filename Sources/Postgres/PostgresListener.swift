import CLinux
import CPostgres
import Glibc
import Web

/// LISTENs on a few channels over a connection of its own, on a thread of its own, waiting on
/// libpq's socket with `poll`. When the connection breaks it reconnects with backoff and LISTENs
/// again, then calls `onListening(resync: true)` so the owner fetches what it missed meanwhile.
/// Both callbacks run on the listener thread: hand work to an event loop from there.
public final class PostgresListener: @unchecked Sendable {
    public let url: PostgresURL
    public let channels: [String]
    /// How long the connection may sit silent before a `SELECT 1` checks that it still works.
    public let idleCheckMillis: UInt64
    private let onNotification: (PostgresNotification) -> Void
    private let onListening: (_ resync: Bool) -> Void
    private let onError: (PostgresError) -> Void
    private let wakeFD: Int32
    private let lock = Mutex()
    private var stopping = false
    private var thread: pthread_t?
    /// Touched by the listener thread only.
    private var state = PostgresListenerState.initial
    private var connection: PostgresConnection?

    public init(url: PostgresURL, channels: [String], idleCheckMillis: UInt64 = 10_000,
                onNotification: @escaping (PostgresNotification) -> Void,
                onListening: @escaping (_ resync: Bool) -> Void = { _ in },
                onError: @escaping (PostgresError) -> Void = { _ in }) throws {
        for channel in channels where !PostgresNotification.isValidChannel(channel) {
            throw PostgresError.badChannel(channel)
        }
        self.url = url
        self.channels = channels
        self.idleCheckMillis = idleCheckMillis
        self.onNotification = onNotification
        self.onListening = onListening
        self.onError = onError
        wakeFD = eventfd(0, Int32(EFD_CLOEXEC | EFD_NONBLOCK))
    }

    deinit { close(wakeFD) }

    /// Starts the thread; it connects at once.
    public func start() {
        let box = Unmanaged.passRetained(self)
        var tid = pthread_t()
        pthread_create(&tid, nil, { raw in
            let listener = Unmanaged<PostgresListener>.fromOpaque(raw!).takeRetainedValue()
            listener.run()
            return nil
        }, box.toOpaque())
        thread = tid
    }

    /// Stops the thread and closes the connection; returns when the thread has ended.
    public func stop() {
        lock.withLock { stopping = true }
        var one: UInt64 = 1
        _ = write(wakeFD, &one, 8)
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func run() {
        var action = PostgresListenerState.Action.connect
        while !isStopping {
            switch action {
            case .connect:
                action = connect()
            case let .listening(resync):
                onListening(resync)
                action = listen()
            case let .wait(millis):
                waitForWake(timeoutMillis: Int32(clamping: millis))
                action = state.timerFired(nowMillis: monotonicMillis())
            case .none:
                action = state.timerFired(nowMillis: monotonicMillis())
                if action == .none { action = .connect }
            }
        }
        state.stop()
        connection?.close()
        connection = nil
    }

    private func connect() -> PostgresListenerState.Action {
        do {
            let conn = try PostgresConnection(url: url, applicationName: "shetphone-listener")
            for channel in channels {
                try conn.execute("LISTEN " + PostgresConnection.quoteIdentifier(channel))
            }
            connection = conn
            return state.connected()
        } catch let error as PostgresError {
            onError(error)
            return state.failed(nowMillis: monotonicMillis())
        } catch {
            return state.failed(nowMillis: monotonicMillis())
        }
    }

    /// Delivers notifications until the connection breaks or `stop` is called.
    private func listen() -> PostgresListenerState.Action {
        guard let conn = connection, let raw = conn.raw else { return state.failed(nowMillis: monotonicMillis()) }
        var lastTraffic = monotonicMillis()
        while !isStopping {
            var fds = [pollfd(fd: conn.socket, events: Int16(POLLIN), revents: 0),
                       pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&fds, 2, Int32(clamping: idleCheckMillis))
            if ready < 0 && errno != EINTR { break }
            if fds[1].revents != 0 { drainWake() }
            if fds[0].revents != 0 {
                lastTraffic = monotonicMillis()
                guard PQconsumeInput(raw) != 0 else { break }
                deliverNotifications(raw)
                if !conn.isOpen { break }
            } else if monotonicMillis() &- lastTraffic >= idleCheckMillis {
                // A silent socket may be a dead peer that never said goodbye: ask.
                if (try? conn.execute("SELECT 1")) == nil { break }
                lastTraffic = monotonicMillis()
                // The round trip may have brought notifications along.
                deliverNotifications(raw)
            }
        }
        if isStopping { return .none }
        onError(.connectionLost(server: url.redacted, message: conn.message()))
        conn.close()
        connection = nil
        return state.failed(nowMillis: monotonicMillis())
    }

    private func deliverNotifications(_ raw: OpaquePointer) {
        while let notice = PQnotifies(raw) {
            let notification = PostgresNotification(channel: String(cString: notice.pointee.relname),
                                                    payload: String(cString: notice.pointee.extra),
                                                    senderPID: notice.pointee.be_pid)
            PQfreemem(notice)
            onNotification(notification)
        }
    }

    private func waitForWake(timeoutMillis: Int32) {
        var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        if poll(&fds, 1, max(0, timeoutMillis)) > 0 { drainWake() }
    }

    private func drainWake() {
        var value: UInt64 = 0
        _ = read(wakeFD, &value, 8)
    }
}
