import Glibc
import Postgres

/// The one thread that writes to PostgreSQL, like `StoreWriter` for SQLite: jobs queued while a
/// transaction commits run together in one transaction (group commit), each in its own
/// savepoint so a job that throws rolls back alone; a lost connection fails the whole batch
/// (`.unavailable`) and the next batch connects again. `then` runs on this thread after COMMIT.
final class PostgresStoreWriter: @unchecked Sendable {
    struct Job {
        let run: (PostgresConnection) throws -> Void
        let finish: (StoreError?) -> Void
    }

    private let pool: PostgresPool
    private let queue = JobQueue<Job>(capacity: StoreWriter.maxQueued)
    private let faults: FaultLog
    private var thread: pthread_t?

    init(pool: PostgresPool, faults: FaultLog) {
        self.pool = pool
        self.faults = faults
        thread = startThread { [self] in work() }
    }

    /// Queues `body` for the next batch; false when the queue is full or closing.
    @discardableResult
    func write<T>(_ body: @escaping (PostgresConnection) throws -> T, then: @escaping StoreCompletion<T>) -> Bool {
        let job = storeJob(body, then: then)
        return queue.push(Job(run: job.run, finish: job.finish))
    }

    /// Runs `body` in the next batch and waits for the commit (start-up and CLI only).
    func writeAndWait<T>(_ body: @escaping (PostgresConnection) throws -> T) throws -> T {
        let answer = Rendezvous<Result<T, StoreError>>()
        guard write(body, then: { answer.fulfil($0) }) else {
            throw StoreError(.unavailable, "\(pool.url.redacted): the store is closing or its queue is full")
        }
        return try answer.wait().get()
    }

    var backlog: Int { queue.count }

    func close() {
        queue.close()
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func work() {
        while true {
            let batch = queue.take(upTo: StoreWriter.maxBatch)
            if batch.isEmpty { return }
            commit(batch)
        }
    }

    private func commit(_ batch: ArraySlice<Job>) {
        let server = pool.url.redacted
        var outcomes: [StoreError?] = []
        outcomes.reserveCapacity(batch.count)
        do {
            try pool.withConnection { db in
                try db.execute("BEGIN")
                for job in batch {
                    try db.execute("SAVEPOINT job")
                    do {
                        try job.run(db)
                        try db.execute("RELEASE SAVEPOINT job")
                        outcomes.append(nil)
                    } catch {
                        let storeError = StoreError.from(error, server: server, concern: "write")
                        if storeError.abortsBatch || !db.isOpen { throw storeError }
                        try db.execute("ROLLBACK TO SAVEPOINT job")
                        try db.execute("RELEASE SAVEPOINT job")
                        outcomes.append(storeError)
                    }
                }
                try db.execute("COMMIT")
            }
        } catch {
            let fault = StoreError.from(error, server: server, concern: "write")
            faults.report(fault)
            for job in batch { job.finish(fault) }
            return
        }
        faults.recovered()
        for (job, outcome) in zip(batch, outcomes) { job.finish(outcome) }
    }
}
