import Glibc

/// A few threads, each with its own connection, that run queries off the event loops. In WAL
/// mode readers never wait for the writer. Each `then` runs on the reader's thread.
final class StoreReaders: StoreReadQueue, @unchecked Sendable {
    typealias Job = (SQLiteConnection?, StoreError?) -> Void

    private let queue = JobQueue<Job>(capacity: StoreBounds.maxQueuedReads)
    private var threads: [pthread_t] = []

    /// Opens `count` connections to `path` now, so a file that cannot be read fails start-up.
    init(path: String, count: Int) throws {
        var connections: [SQLiteConnection] = []
        for _ in 0..<max(1, count) {
            let connection = try SQLiteConnection(path: path)
            try connection.execute("PRAGMA query_only = 1")
            connections.append(connection)
        }
        for connection in connections {
            threads.append(startThread { [queue] in
                while true {
                    let batch = queue.take(upTo: 1)
                    guard let job = batch.first else { return }
                    job(connection, nil)
                }
            })
        }
    }

    /// Runs `body` on a reader; false (and `then` is not called) when the queue is full.
    @discardableResult
    func read<T>(_ body: @escaping (SQLiteConnection) throws -> T, then: @escaping StoreCompletion<T>) -> Bool {
        queue.push { connection, _ in
            guard let connection else { return }
            do {
                then(.success(try body(connection)))
            } catch let error as StoreError {
                then(.failure(error))
            } catch {
                then(.failure(StoreError(.other, "\(connection.file): \(error)")))
            }
        }
    }

    func close() {
        queue.close()
        for thread in threads { pthread_join(thread, nil) }
        threads.removeAll()
    }
}
