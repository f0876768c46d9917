import Glibc
import Logging

/// Logs store faults (disk full, I/O errors) at most once a minute, not once per request,
/// and says once when writes work again.
final class FaultLog: @unchecked Sendable {
    private let logger: Logger
    private var mutex = pthread_mutex_t()
    private var lastLogged = 0
    private var suppressed = 0
    private var failing = false
    /// Seconds between two log lines about the same ongoing fault (60).
    static let interval = 60

    init(logger: Logger) {
        self.logger = logger
        pthread_mutex_init(&mutex, nil)
    }

    /// True while the last batch failed.
    var isFailing: Bool {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return failing
    }

    func report(_ error: StoreError) {
        let now = time(nil)
        pthread_mutex_lock(&mutex)
        failing = true
        let due = now - lastLogged >= FaultLog.interval
        let skipped = suppressed
        if due {
            lastLogged = now
            suppressed = 0
        } else {
            suppressed += 1
        }
        pthread_mutex_unlock(&mutex)
        if due {
            let more = skipped > 0 ? " (\(skipped) more failed batches since the last report)" : ""
            logger.error("store: writes are failing: \(error)\(more); webhooks answer 503 until this clears")
        }
    }

    func recovered() {
        pthread_mutex_lock(&mutex)
        let was = failing
        failing = false
        lastLogged = 0
        suppressed = 0
        pthread_mutex_unlock(&mutex)
        if was { logger.notice("store: writes work again") }
    }
}
