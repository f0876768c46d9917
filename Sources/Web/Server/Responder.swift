/// The application's entry point: every request goes through one of these.
public typealias Handler = (Request, Responder) -> Void

/// Sends the one response to one request, from any thread.
///
/// Synchronous handlers call `send` before they return; slow ones hand work to a
/// `WorkerPool` and call `send` when it is done: the response hops back to the
/// connection's loop and goes out in request order.
public struct Responder: @unchecked Sendable {
    /// The loop that owns the connection.
    public let loop: EventLoop
    let deliver: (Response) -> Void
    /// The matched route pattern, set by the router; stamped on the response if it has none.
    public var route: String?

    public init(loop: EventLoop, deliver: @escaping (Response) -> Void) {
        self.loop = loop
        self.deliver = deliver
    }

    public func send(_ response: Response) {
        var response = response
        if response.route == nil { response.route = route }
        if loop.inLoop {
            deliver(response)
        } else {
            let deliver = self.deliver
            loop.execute { deliver(response) }
        }
    }
}
