import Glibc
import Logging
import Store
import Web

/// Emails and hooks, queued in the store before anyone is answered, sent later through the
/// courier (the outbound client's thread) from an event loop's sweep, retried with backoff (`retrySeconds`, doubling, at most an hour
/// apart; given up after `maxAttempts`). A restart loses nothing: what was due is still in the store.
public final class NoticeQueue: @unchecked Sendable {
    let records: NoticeRecords
    let courier: NoticeCourier
    let logger: Logger
    /// First retry after this many seconds; each next one waits twice as long, up to an hour.
    public var retrySeconds: Int
    public var maxAttempts = 10
    private let lock = Mutex()
    private var inFlight: Set<Int> = []
    private var stopping = false
    /// A look at the store is on its way (a reader answers it).
    private var looking = false
    private var lastLook: UInt64 = 0
    /// How often the queue looks for due notices (1 s).
    static let lookMillis: UInt64 = 1000

    public init(records: NoticeRecords, courier: NoticeCourier, retrySeconds: Int, logger: Logger) {
        self.records = records
        self.courier = courier
        self.retrySeconds = retrySeconds
        self.logger = logger
    }

    // MARK: queueing (any thread; `then` runs on a store thread after the commit)

    public func enqueue(_ message: EmailMessage, then: @escaping (Result<Void, StoreError>) -> Void = { _ in }) {
        let payload = JSON.object([
            ("from", .string(message.from)), ("to", .array(message.to.map(JSON.string))), ("subject", .string(message.subject)),
            ("body", .string(message.body)), ("date", .int(message.date)), ("messageID", .string(message.messageID)),
        ])
        records.enqueue(kind: "email", payload: payload.text, at: Int(time(nil))) { then($0.map { _ in () }) }
    }

    public func enqueue(_ hook: HookDelivery, data: JSON, then: @escaping (Result<Void, StoreError>) -> Void = { _ in }) {
        let payload = JSON.object([
            ("id", .string(hook.id)), ("kind", .string(hook.kind)), ("url", .string(hook.url)),
            ("created", .int(hook.created)), ("data", data),
        ])
        records.enqueue(kind: "hook", payload: payload.text, at: Int(time(nil))) { then($0.map { _ in () }) }
    }

    // MARK: sending

    /// For an event loop's sweep (`loop.addSweep { queue.sweep(now: $0) }`): at most once a
    /// second, and never while the last look is unanswered, asks the store for due notices.
    /// Nothing here blocks: a store reader answers, and the courier sends on the outbound thread.
    public func sweep(now millis: UInt64) {
        let look = lock.withLock { () -> Bool in
            guard !stopping, !looking, millis &- lastLook >= NoticeQueue.lookMillis else { return false }
            looking = true
            lastLook = millis
            return true
        }
        if look { sendDue() }
    }

    /// Sends nothing more; notices still due stay in the store for the next start.
    public func stop() {
        lock.withLock { stopping = true }
    }

    /// One look at the queue: every due notice not already on its way is handed to the courier.
    func sendDue() {
        records.due(now: Int(time(nil)), limit: 50) { [self] result in
            lock.withLock { looking = false }
            guard case .success(let notices) = result else { return }
            for notice in notices where lock.withLock({ !stopping && inFlight.insert(notice.id).inserted }) {
                send(notice)
            }
        }
    }

    private func send(_ notice: QueuedNotice) {
        let finish: @Sendable (Result<Void, NoticeError>) -> Void = { [self] outcome in
            switch outcome {
            case .success:
                records.delivered(id: notice.id) { [self] _ in lock.withLock { _ = inFlight.remove(notice.id) } }
            case .failure(let error):
                let attempts = notice.attempts + 1
                let giveUp = attempts >= maxAttempts
                let delay = min(3600, retrySeconds << min(attempts - 1, 12))
                if giveUp {
                    logger.error("notice \(notice.id) (\(notice.kind)): \(error); giving up after \(attempts) tries")
                } else {
                    logger.warning("notice \(notice.id) (\(notice.kind)): \(error); next try in \(delay) s")
                }
                records.failed(id: notice.id, attempts: attempts, nextAt: giveUp ? nil : Int(time(nil)) + delay,
                               error: "\(error)") { [self] _ in lock.withLock { _ = inFlight.remove(notice.id) } }
            }
        }
        guard let payload = try? JSONParser.parse(notice.payload) else {
            finish(.failure(.failed("unreadable payload")))
            return
        }
        switch notice.kind {
        case "email":
            let message = EmailMessage(
                from: payload["from"]?.stringValue ?? "", to: payload["to"]?.arrayValue?.compactMap(\.stringValue) ?? [],
                subject: payload["subject"]?.stringValue ?? "", body: payload["body"]?.stringValue ?? "",
                date: payload["date"]?.intValue ?? 0, messageID: payload["messageID"]?.stringValue ?? "")
            courier.send(message, finish)
        case "hook":
            let hook = HookDelivery(id: payload["id"]?.stringValue ?? "", kind: payload["kind"]?.stringValue ?? "",
                                    url: payload["url"]?.stringValue ?? "", data: payload["data"] ?? .null,
                                    created: payload["created"]?.intValue ?? 0)
            courier.send(hook) { finish($0.map { _ in () }) }
        default:
            finish(.failure(.failed("unknown notice kind \(notice.kind)")))
        }
    }
}
