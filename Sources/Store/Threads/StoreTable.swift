/// The glue between a table and the store's threads, written once for every table of both
/// backends: a write goes to the writer, a read to the readers (or, where a table has none, to
/// the writer: an in-memory SQLite database is private to the writer's connection). A job the
/// queue refuses (full, or the store closing) is answered at once with `.queueFull`.
protocol WritingTable {
    associatedtype Target: WriteTarget
    var writer: GroupCommitWriter<Target> { get }
}

extension WritingTable {
    /// Runs `body` in the writer's next batch; `then` gets its value once committed.
    func write<T>(_ then: @escaping StoreCompletion<T>, _ body: @escaping (Target.Connection) throws -> T) {
        if !writer.write(body, then: then) { then(.failure(.queueFull)) }
    }
}

/// A table that also reads off the writer (`StoreReaders`, `PostgresStoreReaders`).
protocol ReadingTable: WritingTable {
    associatedtype Readers: StoreReadQueue where Readers.Connection == Target.Connection
    /// nil: reads go through the writer.
    var readers: Readers? { get }
}

extension ReadingTable {
    /// Runs `body` on a reader; `then` gets its value on the reader's thread.
    func read<T>(_ then: @escaping StoreCompletion<T>, _ body: @escaping (Target.Connection) throws -> T) {
        let queued = readers?.read(body, then: then) ?? writer.write(body, then: then)
        if !queued { then(.failure(.queueFull)) }
    }
}

/// Threads that run reads, each on a connection of its own.
protocol StoreReadQueue {
    associatedtype Connection
    /// Queues `body`; false (and `then` is not called) when the queue is full or closing.
    func read<T>(_ body: @escaping (Connection) throws -> T, then: @escaping StoreCompletion<T>) -> Bool
}
