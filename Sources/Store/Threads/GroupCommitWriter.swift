import Glibc

/// The one thread that writes, for either backend. Jobs queued while a transaction commits are
/// taken together and run in one transaction (group commit): one fsync for the whole batch, not
/// one per request. When a job throws, the batch runs again with each job inside its own
/// savepoint, so that job rolls back alone; a fault of the database (disk full, I/O, corrupt, connection lost) fails the whole
/// batch and the next batch tries again. Every job's `then` runs on this thread after its batch
/// committed (or failed): hop back to your event loop from there.
final class GroupCommitWriter<Target: WriteTarget>: @unchecked Sendable {
    typealias Connection = Target.Connection

    struct Job {
        /// Runs the job's SQL; throws to roll back this job alone.
        let run: (Connection) throws -> Void
        /// Called once the batch committed (nil) or failed (the error).
        let finish: (StoreError?) -> Void
        /// Runs alone, outside any transaction (backup).
        var alone = false
    }

    private let target: Target
    private let queue = JobQueue<Job>(capacity: StoreBounds.maxQueuedWrites)
    private let faults: FaultLog
    private let label: String
    private var thread: pthread_t?

    /// Starts the writer's thread. `label` names the database in errors (a file, or a URL
    /// without its password).
    init(target: Target, label: String, faults: FaultLog) {
        self.target = target
        self.label = label
        self.faults = faults
        thread = startThread { [self] in work() }
    }

    /// Queues `body` to run in the next batch; `then` gets its value once committed.
    /// False (and `then` is not called) when the queue is full or the store is closing.
    @discardableResult
    func write<T>(_ body: @escaping (Connection) throws -> T, then: @escaping StoreCompletion<T>) -> Bool {
        let job = storeJob(body, then: then)
        return queue.push(Job(run: job.run, finish: job.finish))
    }

    /// Runs `body` in the next batch and waits for its commit: for start-up and the CLI only,
    /// never from an event loop.
    func writeAndWait<T>(_ body: @escaping (Connection) throws -> T) throws -> T {
        let answer = Rendezvous<Result<T, StoreError>>()
        guard write(body, then: { answer.fulfil($0) }) else { throw closing() }
        return try answer.wait().get()
    }

    /// Runs `body` by itself, outside any transaction, and waits (online backup; CLI only).
    func runAloneAndWait(_ body: @escaping (Connection) throws -> Void) throws {
        let answer = Rendezvous<StoreError?>()
        guard queue.push(Job(run: body, finish: { answer.fulfil($0) }, alone: true)) else { throw closing() }
        if let error = answer.wait() { throw error }
    }

    /// Jobs waiting for the writer.
    var backlog: Int { queue.count }

    /// Finishes the queued jobs, then stops the thread.
    func close() {
        queue.close()
        if let thread { pthread_join(thread, nil) }
        thread = nil
    }

    private func closing() -> StoreError {
        StoreError(.unavailable, "\(label): the store is closing or its queue is full")
    }

    private func work() {
        while true {
            let batch = queue.take(upTo: StoreBounds.maxBatch)
            if batch.isEmpty { return }
            var start = batch.startIndex
            for index in batch.indices where batch[index].alone {
                if start < index { commit(batch[start..<index]) }
                runAlone(batch[index])
                start = index + 1
            }
            if start < batch.endIndex { commit(batch[start...]) }
        }
    }

    private func runAlone(_ job: Job) {
        do {
            try target.withConnection { try job.run($0) }
            job.finish(nil)
        } catch {
            job.finish(target.storeError(error, concern: "write"))
        }
    }

    private func commit(_ batch: ArraySlice<Job>) {
        let target = self.target
        let outcomes: [StoreError?]
        do {
            outcomes = try target.withConnection { db in
                defer { target.batchEnded(on: db) }
                do {
                    return try runTogether(batch, db) ?? runEachInSavepoint(batch, db)
                } catch {
                    target.abandon(db)
                    throw error
                }
            }
        } catch {
            let fault = target.storeError(error, concern: "write")
            faults.report(fault)
            for job in batch { job.finish(fault) }
            return
        }
        faults.recovered()
        for (job, outcome) in zip(batch, outcomes) { job.finish(outcome) }
    }

    /// The usual case, no job throws: the whole batch in one transaction without savepoints, so
    /// a job costs only its own statements (on PostgreSQL each statement is a round trip). When
    /// a job throws, the transaction is rolled back and nil returned: the batch runs again with
    /// savepoints (a batch of one just reports its error).
    private func runTogether(_ batch: ArraySlice<Job>, _ db: Connection) throws -> [StoreError?]? {
        try target.execute(target.beginSQL, on: db)
        target.batchBegan(on: db)
        for job in batch {
            do {
                try job.run(db)
            } catch {
                let storeError = target.storeError(error, concern: "write")
                if storeError.abortsBatch || !target.isOpen(db) { throw storeError }
                target.rollBack(toMark: 0, on: db)
                try target.execute("ROLLBACK", on: db)
                return batch.count == 1 ? [storeError] : nil
            }
        }
        try target.batchWillCommit(on: db)
        try target.execute("COMMIT", on: db)
        return Array(repeating: nil, count: batch.count)
    }

    /// Each job in its own savepoint, so a job that throws rolls back alone.
    private func runEachInSavepoint(_ batch: ArraySlice<Job>, _ db: Connection) throws -> [StoreError?] {
        var outcomes: [StoreError?] = []
        outcomes.reserveCapacity(batch.count)
        try target.execute(target.beginSQL, on: db)
        target.batchBegan(on: db)
        for job in batch {
            try target.execute("SAVEPOINT job", on: db)
            let mark = target.mark(on: db)
            do {
                try job.run(db)
                try target.execute("RELEASE SAVEPOINT job", on: db)
                outcomes.append(nil)
            } catch {
                let storeError = target.storeError(error, concern: "write")
                if storeError.abortsBatch || !target.isOpen(db) { throw storeError }
                try target.execute("ROLLBACK TO SAVEPOINT job", on: db)
                try target.execute("RELEASE SAVEPOINT job", on: db)
                target.rollBack(toMark: mark, on: db)
                outcomes.append(storeError)
            }
        }
        try target.batchWillCommit(on: db)
        try target.execute("COMMIT", on: db)
        return outcomes
    }
}
