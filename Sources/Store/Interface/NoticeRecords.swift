/// A notice (an email or a hook POST) waiting to go out; the queue survives restarts.
public struct QueuedNotice: Sendable, Equatable {
    public var id: Int
    /// `email` or `hook`.
    public var kind: String
    /// What to send, as the notice's own JSON text.
    public var payload: String
    public var attempts: Int
    /// Unix seconds of the next try.
    public var nextAt: Int

    public init(id: Int, kind: String, payload: String, attempts: Int, nextAt: Int) {
        self.id = id
        self.kind = kind
        self.payload = payload
        self.attempts = attempts
        self.nextAt = nextAt
    }
}

/// The durable queue of notices: written before a webhook is answered, delivered later off the loops.
public protocol NoticeRecords: Sendable {
    /// Queues a notice due at `at`; `then` gets its id.
    func enqueue(kind: String, payload: String, at: Int, then: @escaping StoreCompletion<Int>)
    /// Notices due at `now`, oldest first, at most `limit`.
    func due(now: Int, limit: Int, then: @escaping StoreCompletion<[QueuedNotice]>)
    /// Delivered: it leaves the queue.
    func delivered(id: Int, then: @escaping StoreCompletion<Void>)
    /// Failed this time: tried `attempts` times, next at `nextAt`, or given up (nil) and kept with the error.
    func failed(id: Int, attempts: Int, nextAt: Int?, error: String, then: @escaping StoreCompletion<Void>)
}
