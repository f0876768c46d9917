import Synchronization

/// The one room of the fan-out benchmark: every WebSocket joins it with its own outbound
/// `AsyncStream`, and a publish yields the message to each of them. Each framework's
/// connection task drains its stream into its own WebSocket writer.
public final class BenchRoom<Message: Sendable>: Sendable {
    private struct Members {
        var nextID = 0
        var continuations: [Int: AsyncStream<Message>.Continuation] = [:]
    }

    private let members = Mutex(Members())

    public init() {}

    /// Joins the room; the stream ends when `leave` is called with the returned id.
    public func join() -> (id: Int, messages: AsyncStream<Message>) {
        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let id = members.withLock { members in
            members.nextID += 1
            members.continuations[members.nextID] = continuation
            return members.nextID
        }
        return (id, stream)
    }

    public func leave(_ id: Int) {
        let continuation = members.withLock { $0.continuations.removeValue(forKey: id) }
        continuation?.finish()
    }

    /// Sends `message` to one member only (the echo of a message that is not a publish).
    public func send(_ message: Message, to id: Int) {
        let continuation = members.withLock { $0.continuations[id] }
        continuation?.yield(message)
    }

    public var count: Int { members.withLock { $0.continuations.count } }

    /// Hands `message` to every member; returns how many.
    @discardableResult
    public func publish(_ message: Message) -> Int {
        let continuations = members.withLock { Array($0.continuations.values) }
        for continuation in continuations { continuation.yield(message) }
        return continuations.count
    }
}
