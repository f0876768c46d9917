import Glibc
import Logging
import Store
import Web

/// `[store] history_days`: once an hour (and soon after start) calls older than that are
/// deleted. The loop only queues the purge; the store's writer does it in small batches.
final class HistoryRetention: @unchecked Sendable {
    let calls: CallRecords
    let days: Int
    let logger: Logger
    private let lock = Mutex()
    private var nextRun = 0
    private var running = false

    /// Seconds between two purges (1 h).
    static let interval = 3600

    init(calls: CallRecords, days: Int, logger: Logger) {
        self.calls = calls
        self.days = days
        self.logger = logger
        nextRun = time(nil) + 60
    }

    /// From a loop's sweep: starts a purge when one is due; returns at once.
    func sweep(now: Int = time(nil)) {
        let due: Bool = lock.withLock {
            guard now >= nextRun, !running else { return false }
            nextRun = now + HistoryRetention.interval
            running = true
            return true
        }
        guard due else { return }
        let cutoff = (now - days * 86_400) * 1000
        calls.purge(startedBefore: cutoff) { [self] result in
            lock.withLock { running = false }
            switch result {
            case .success(let count) where count > 0:
                logger.info("history: deleted \(count) calls older than \(days) days")
            case .success: break
            case .failure(let error): logger.warning("history: purge failed: \(error)")
            }
        }
    }
}
