import Glibc

/// The one thread that writes. Jobs queued while a transaction commits are taken together and
/// run in one transaction (group commit): one fsync for the whole batch, not one per request.
/// Each job runs inside its own savepoint, so a job that throws rolls back alone; a fault of the
/// disk or file (full, I/O, corrupt) fails the whole batch. Every job's `then` runs on this
/// thread after its batch committed (or failed): hop back to your event loop from there.
final class StoreWriter: @unchecked Sendable {
    struct Job {
        /// Runs the job's SQL; throws to roll back this job alone.
        let run: (SQLiteConnection) throws -> Void
        /// Called once the batch committed (nil) or failed (the error).
        let finish: (StoreError?) -> Void
        /// Runs alone, outside any transaction (backup).
        var alone = false
    }

    /// Most jobs in one transaction (1,000): a batch stays short for readers and for latency.
    static let maxBatch = 1000
    /// Jobs waiting beyond this are refused (20,000), so memory stays bounded under a flood.
    static let maxQueued = 20_000

    private let connection: SQLiteConnection
    private let queue = JobQueue<Job>(capacity: StoreWriter.maxQueued)
    private let faults: FaultLog
    private var thread: pthread_t?

    init(connection: SQLiteConnection, faults: FaultLog) {
        self.connection = connection
        self.faults = faults
        thread = startThread { [self] in work() }
    }

    /// Queues `body` to run in the next batch; `then` gets its value once committed.
    /// False (and `then` is not called) when the queue is full or the store is closing.
    @discardableResult
    func write<T>(_ body: @escaping (SQLiteConnection) throws -> T,
                  then: @escaping (Result<T, StoreError>) -> Void) -> Bool {
        let job = storeJob(body, then: then)
        return queue.push(Job(run: job.run, finish: job.finish))
    }

    /// Runs `body` in the next batch and waits for its commit: for start-up and the CLI only,
    /// never from an event loop.
    func writeAndWait<T>(_ body: @escaping (SQLiteConnection) throws -> T) throws -> T {
        let answer = Rendezvous<Result<T, StoreError>>()
        guard write(body, then: { answer.fulfil($0) }) else {
            throw StoreError(.unavailable, "\(connection.file): the store is closing or its queue is full")
        }
        return try answer.wait().get()
    }

    /// Runs `body` by itself, outside any transaction, and waits (online backup; CLI only).
    func runAloneAndWait(_ body: @escaping (SQLiteConnection) throws -> Void) throws {
        let answer = Rendezvous<StoreError?>()
        let connection = self.connection
        let job = Job(run: body, finish: { answer.fulfil($0) }, alone: true)
        guard queue.push(job) else {
            throw StoreError(.unavailable, "\(connection.file): the store is closing or its queue is full")
        }
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

    private func work() {
        while true {
            let batch = queue.take(upTo: StoreWriter.maxBatch)
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
            try job.run(connection)
            job.finish(nil)
        } catch {
            job.finish(error as? StoreError ?? StoreError(.other, "\(connection.file): \(error)"))
        }
    }

    private func commit(_ batch: ArraySlice<Job>) {
        var outcomes: [StoreError?] = []
        outcomes.reserveCapacity(batch.count)
        var fault: StoreError?
        do {
            try connection.statement("BEGIN IMMEDIATE").run()
        } catch let error as StoreError {
            fault = error
        } catch {
            fault = StoreError(.other, "\(connection.file): begin: \(error)")
        }
        for job in batch where fault == nil {
            do {
                try connection.statement("SAVEPOINT job").run()
                try job.run(connection)
                try connection.statement("RELEASE job").run()
                outcomes.append(nil)
            } catch {
                let storeError = error as? StoreError ?? StoreError(.constraint, "\(connection.file): \(error)")
                if storeError.abortsBatch {
                    fault = storeError
                } else {
                    _ = try? connection.statement("ROLLBACK TO job").run()
                    _ = try? connection.statement("RELEASE job").run()
                    outcomes.append(storeError)
                }
            }
        }
        if fault == nil {
            do { try connection.statement("COMMIT").run() } catch let error as StoreError { fault = error } catch {}
        }
        if let fault {
            if connection.inTransaction { _ = try? connection.execute("ROLLBACK") }
            faults.report(fault)
            for job in batch { job.finish(fault) }
            return
        }
        faults.recovered()
        for (job, outcome) in zip(batch, outcomes) { job.finish(outcome) }
    }
}
