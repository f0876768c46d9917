import Glibc

/// A few threads, each with its own connection, that run queries off the event loops. In WAL
/// mode readers never wait for the writer. Each `then` runs on the reader's thread.
///
/// The connections open at start (a file that cannot be read fails start-up); the threads start
/// on demand, one more whenever a read is queued while every started reader is busy. An idle
/// server (the intercom reads once a second) runs one reader, and the others' threads, malloc
/// arenas and SQLite page caches (about 0.25 MiB each) are never made.
final class StoreReaders: StoreReadQueue, @unchecked Sendable {
    typealias Job = (SQLiteConnection?, StoreError?) -> Void

    private let queue = JobQueue<Job>(capacity: StoreBounds.maxQueuedReads)
    private let connections: [SQLiteConnection]
    private var mutex = pthread_mutex_t()
    private var threads: [pthread_t] = []
    private var closed = false

    /// Opens `count` connections to `path` now; starts no thread yet.
    init(path: String, count: Int) throws {
        var connections: [SQLiteConnection] = []
        for _ in 0..<max(1, count) {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA query_only = 1")
            connections.append(connection)
        }
        self.connections = connections
        pthread_mutex_init(&mutex, nil)
    }

    deinit { pthread_mutex_destroy(&mutex) }

    /// Runs `body` on a reader; false (and `then` is not called) when the queue is full.
    @discardableResult
    func read<T>(_ body: @escaping (SQLiteConnection) throws -> T, then: @escaping StoreCompletion<T>) -> Bool {
        let queued = queue.push { connection, _ in
            guard let connection else { return }
            do {
                then(.success(try body(connection)))
            } catch let error as StoreError {
                then(.failure(error))
            } catch {
                then(.failure(StoreError(.other, "\(connection.file): \(error)")))
            }
        }
        if queued && !queue.isCoveredByWaitingThreads { startReader() }
        return queued
    }

    /// Started threads waiting for a read.
    var idleThreads: Int { queue.waitingThreads }

    /// Threads started so far (at most the number of connections).
    var startedThreads: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return threads.count
    }

    /// Starts the next connection's thread, if one is left.
    private func startReader() {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard !closed, threads.count < connections.count else { return }
        let connection = connections[threads.count]
        threads.append(startThread { [queue] in
            while true {
                let batch = queue.take(upTo: 1)
                guard let job = batch.first else { return }
                job(connection, nil)
            }
        })
    }

    func close() {
        queue.close()
        pthread_mutex_lock(&mutex)
        closed = true
        let started = threads
        threads.removeAll()
        pthread_mutex_unlock(&mutex)
        for thread in started { pthread_join(thread, nil) }
        for connection in connections { connection.close() }
    }
}
