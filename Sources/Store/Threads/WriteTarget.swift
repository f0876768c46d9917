/// The database a `GroupCommitWriter` writes to: how to reach its connection and run the few
/// statements that frame a batch. Each backend has one (`SQLiteWriteTarget`, `PostgresWriteTarget`);
/// the thread, the queue, the batching, the savepoints and the outcomes live once, in the writer.
protocol WriteTarget: AnyObject {
    associatedtype Connection

    /// The statement that opens a batch's transaction (`BEGIN IMMEDIATE` on SQLite).
    var beginSQL: String { get }

    /// Runs `body` with the connection the writer uses, on the writer's thread.
    func withConnection<T>(_ body: (Connection) throws -> T) throws -> T

    /// Runs one statement without results (BEGIN, SAVEPOINT, COMMIT ...).
    func execute(_ sql: String, on connection: Connection) throws

    /// True while `connection` can run the rest of a batch.
    func isOpen(_ connection: Connection) -> Bool

    /// Ends a transaction a fault left open on `connection`, if any.
    func abandon(_ connection: Connection)

    /// `error` as the store's error for `concern` (`write`, `begin`), naming the database.
    func storeError(_ error: Error, concern: String) -> StoreError

    /// A batch's transaction began: from here on, what the jobs send besides their statements
    /// (PostgreSQL's notifications) is held for `batchWillCommit`.
    func batchBegan(on connection: Connection)
    /// Where the held extras stand, before a job runs in its savepoint.
    func mark(on connection: Connection) -> Int
    /// The job since `mark` rolled back: forget what it added.
    func rollBack(toMark mark: Int, on connection: Connection)
    /// Sends what the batch held, just before COMMIT.
    func batchWillCommit(on connection: Connection) throws
    /// The batch is over (committed or not): nothing is held any more.
    func batchEnded(on connection: Connection)
}

extension WriteTarget {
    func batchBegan(on connection: Connection) {}
    func mark(on connection: Connection) -> Int { 0 }
    func rollBack(toMark mark: Int, on connection: Connection) {}
    func batchWillCommit(on connection: Connection) throws {}
    func batchEnded(on connection: Connection) {}
}
