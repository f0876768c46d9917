import Glibc
import Postgres

/// A few threads that run queries on pooled connections, off the event loops and off the
/// writer, like `StoreReaders` for SQLite. Each `then` runs on the reader's thread.
final class PostgresStoreReaders: StoreReadQueue, @unchecked Sendable {
    private let pool: PostgresPool
    private let queue = JobQueue<(PostgresConnection?) -> Void>(capacity: StoreBounds.maxQueuedReads)
    private var threads: [pthread_t] = []

    init(pool: PostgresPool, count: Int) {
        self.pool = pool
        for _ in 0..<max(1, count) {
            threads.append(startThread { [queue] in
                while let job = queue.take(upTo: 1).first { job(nil) }
            })
        }
    }

    /// Queues `body`; false when the queue is full or closing.
    func read<T>(_ body: @escaping (PostgresConnection) throws -> T, then: @escaping StoreCompletion<T>) -> Bool {
        let pool = self.pool
        return queue.push { _ in
            do {
                then(.success(try pool.withConnection(body)))
            } catch {
                then(.failure(StoreError.from(error, server: pool.url.redacted, concern: "read")))
            }
        }
    }

    func close() {
        queue.close()
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
    }
}
