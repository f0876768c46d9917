import CCurl
import CLazyCurl
import Glibc
import Web

/// HTTPS requests and SMTP mail on a thread of their own, never on an event loop.
///
/// One libcurl multi handle runs every transfer, so connections (and TLS sessions) to the same
/// host are reused; each request has its own time limit and retry policy. Results arrive on the
/// outbound thread: a caller that lives on an event loop hops back with `loop.execute`
/// (a `Responder` does it by itself).
public final class OutboundClient: @unchecked Sendable {
    /// What every transfer shares.
    public struct Settings: Sendable {
        /// A PEM bundle to trust instead of the system's (a private CA, or a test's throw-away certificate).
        public var caFile: String?
        public var connectTimeoutSeconds = 10
        /// Requests waiting or running beyond this are refused with `.queueFull`.
        public var maxQueued = 1_000
        /// Connections open at once across all hosts.
        public var maxConnections = 16
        public var userAgent = "shetphone"

        public init(caFile: String? = nil) { self.caFile = caFile }
    }

    public let settings: Settings
    private let lock = Mutex()
    private var incoming: [Transfer] = []
    private var stopping = false
    private var queued = 0
    private var multi: UnsafeMutableRawPointer?
    private var thread = pthread_t()
    private var started = false

    // Outbound thread only.
    private var active: [UnsafeMutableRawPointer: Transfer] = [:]
    private var waiting: [(due: UInt64, transfer: Transfer)] = []

    private static let globalInit: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK

    /// Makes no thread and touches no libcurl yet: the first request does (`startIfNeeded`), so a
    /// server that sends nothing never pays for libcurl's and OpenSSL's start-up memory.
    public init(settings: Settings = Settings()) {
        self.settings = settings
    }

    /// Starts libcurl's multi handle and the outbound thread once; nil when running, else why
    /// they cannot start (libcurl is opened here, on the first request: CLazyCurl).
    /// Called with `lock` held.
    private func startIfNeeded() -> OutboundError? {
        if started { return nil }
        guard OutboundClient.globalInit else {
            return .unavailable(shet_libcurl_load_error().map { String(cString: $0) } ?? "curl_global_init failed")
        }
        guard let multi = curl_multi_init() else { return .unavailable("curl_multi_init failed") }
        _ = shet_curl_multi_setopt_long(multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, settings.maxConnections)
        self.multi = multi
        let box = Unmanaged.passRetained(self)
        started = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let client = Unmanaged<OutboundClient>.fromOpaque(raw).takeRetainedValue()
            client.run()
            return nil
        }, box.toOpaque()) == 0
        if !started {
            box.release()
            return .unavailable("cannot start the outbound thread (pthread_create failed)")
        }
        return nil
    }

    /// Sends `request`; `completion` runs once, on the outbound thread, with the response
    /// (any status) or why none came.
    public func send(_ request: OutboundRequest,
                     completion: @escaping @Sendable (Result<OutboundResponse, OutboundError>) -> Void) {
        submit(Transfer(work: .http(request), onChunk: nil, completion: completion))
    }

    /// Like `send`, but a 2xx body goes to `onChunk` piece by piece as it arrives (nothing is
    /// retried once a piece went out); `completion` then gets the status and headers.
    public func stream(_ request: OutboundRequest, onChunk: @escaping @Sendable ([UInt8]) -> Void,
                       completion: @escaping @Sendable (Result<OutboundResponse, OutboundError>) -> Void) {
        submit(Transfer(work: .http(request), onChunk: onChunk, completion: completion))
    }

    /// Hands `mail` to its SMTP server; success is the server accepting it for every recipient.
    public func send(_ mail: OutboundMail, completion: @escaping @Sendable (Result<Void, OutboundError>) -> Void) {
        submit(Transfer(work: .mail(mail), onChunk: nil) { result in completion(result.map { _ in () }) })
    }

    /// Blocks the calling thread until `request` is done. For command-line tools, never an event loop.
    public func sendAndWait(_ request: OutboundRequest) -> Result<OutboundResponse, OutboundError> {
        let box = Rendezvous<Result<OutboundResponse, OutboundError>>()
        send(request) { box.put($0) }
        return box.take()
    }

    /// Blocks until `mail` is accepted or refused. For command-line tools, never an event loop.
    public func sendAndWait(_ mail: OutboundMail) -> Result<Void, OutboundError> {
        let box = Rendezvous<Result<Void, OutboundError>>()
        send(mail) { box.put($0) }
        return box.take()
    }

    /// Stops the thread; transfers still running or waiting to retry end with `.shutDown`.
    public func shutdown() {
        let multi = lock.withLock { () -> UnsafeMutableRawPointer? in
            stopping = true
            return self.multi
        }
        if let multi { curl_multi_wakeup(multi) }
        if started {
            pthread_join(thread, nil)
            started = false
        }
    }

    private func submit(_ transfer: Transfer) {
        let outcome: Result<UnsafeMutableRawPointer?, OutboundError> = lock.withLock {
            if stopping { return .failure(.shutDown) }
            if let refusal = startIfNeeded() { return .failure(refusal) }
            if queued >= settings.maxQueued { return .failure(.queueFull(limit: settings.maxQueued)) }
            queued += 1
            incoming.append(transfer)
            return .success(multi)
        }
        switch outcome {
        case .failure(let refusal): transfer.completion(.failure(refusal))
        case .success(let multi): if let multi { curl_multi_wakeup(multi) }
        }
    }

    // MARK: the outbound thread

    private func run() {
        guard let multi else { return }
        while true {
            let (fresh, stop) = lock.withLock { () -> ([Transfer], Bool) in
                defer { incoming = [] }
                return (incoming, stopping)
            }
            if stop {
                for transfer in fresh { finish(transfer, .failure(.shutDown)) }
                break
            }
            for transfer in fresh { start(transfer) }
            let now = monotonicMillis()
            let due = waiting.filter { $0.due <= now }
            waiting.removeAll { $0.due <= now }
            for entry in due { start(entry.transfer) }

            var running: Int32 = 0
            curl_multi_perform(multi, &running)
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                guard message.pointee.msg == CURLMSG_DONE, let easy = message.pointee.easy_handle else { continue }
                let code = shet_curl_message_result(message)
                curl_multi_remove_handle(multi, easy)
                if let transfer = active.removeValue(forKey: easy) { ended(transfer, code: code) }
            }
            var timeout: Int32 = 1000
            if let soonest = waiting.map(\.due).min() {
                timeout = Int32(min(1000, soonest > now ? soonest - now : 0))
            }
            curl_multi_poll(multi, nil, 0, timeout, nil)
        }
        for (easy, transfer) in active {
            curl_multi_remove_handle(multi, easy)
            finish(transfer, .failure(.shutDown))
        }
        active = [:]
        for entry in waiting { finish(entry.transfer, .failure(.shutDown)) }
        waiting = []
        curl_multi_cleanup(multi)
        self.multi = nil
    }

    private func start(_ transfer: Transfer) {
        guard let multi else { return }
        switch transfer.makeHandle(settings: settings) {
        case .failure(let error):
            finish(transfer, .failure(error))
        case .success(let easy):
            active[easy] = transfer
            curl_multi_add_handle(multi, easy)
        }
    }

    private func ended(_ transfer: Transfer, code: CURLcode) {
        let outcome = transfer.outcome(code: code)
        var status: Int?
        var error: OutboundError?
        var retryAfter: Int?
        switch outcome {
        case .success(let response):
            status = response.status
            retryAfter = RetryPolicy.retryAfterSeconds(response[header: "Retry-After"])
        case .failure(let failure): error = failure
        }
        transfer.releaseHandle()
        if transfer.retry.shouldRetry(afterAttempt: transfer.attempt, status: status, error: error,
                                      safeToRepeat: transfer.safeToRepeat, bodyDelivered: transfer.bodyDelivered) {
            let delay = transfer.retry.delayMillis(beforeAttempt: transfer.attempt + 1, retryAfterSeconds: retryAfter)
            waiting.append((due: monotonicMillis() + UInt64(delay), transfer: transfer))
            return
        }
        finish(transfer, outcome)
    }

    private func finish(_ transfer: Transfer, _ outcome: Result<OutboundResponse, OutboundError>) {
        transfer.releaseHandle()
        lock.withLock { queued -= 1 }
        transfer.completion(outcome)
    }
}

/// One value handed from one thread to another that waits for it (a command-line tool waiting
/// for the outbound thread; never an event loop).
public final class Rendezvous<Value>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var value: Value?

    public init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    public func put(_ newValue: Value) {
        pthread_mutex_lock(&mutex)
        value = newValue
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    public func take() -> Value {
        pthread_mutex_lock(&mutex)
        while value == nil { pthread_cond_wait(&condition, &mutex) }
        let result = value!
        pthread_mutex_unlock(&mutex)
        return result
    }
}
