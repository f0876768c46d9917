/// The application's entry point: every request goes through one of these. The request is the
/// handler's own (consumed): passed on to the router and the route, it is moved, not copied.
public typealias Handler = (consuming Request, Responder) -> Void

/// Sends the one response to one request, from any thread.
///
/// Synchronous handlers call `send` before they return; slow ones hand work to a
/// `WorkerPool` and call `send` when it is done: the response hops back to the
/// connection's loop and goes out in request order.
public struct Responder: @unchecked Sendable {
    /// The loop that owns the connection.
    public let loop: EventLoop
    let deliver: (Response) -> Void
    /// The server's own responders name the connection and the request instead of capturing them
    /// in a closure: no allocation per request.
    private let receiver: ResponseReceiver?
    private let exchange: UInt64
    /// The matched route pattern, set by the router; stamped on the response if it has none.
    public var route: String?

    public init(loop: EventLoop, deliver: @escaping (Response) -> Void) {
        self.loop = loop
        self.deliver = deliver
        receiver = nil
        exchange = 0
    }

    /// The responder for request `exchange` of `receiver` (an HTTP connection).
    init(loop: EventLoop, receiver: ResponseReceiver, exchange: UInt64) {
        self.loop = loop
        self.deliver = { _ in }
        self.receiver = receiver
        self.exchange = exchange
    }

    public func send(_ response: consuming Response) {
        if response.route == nil { response.route = route }
        if loop.inLoop {
            hand(response)
        } else {
            handLater(response)
        }
    }

    /// From another thread: the response hops to the loop. Apart from `send`, so only this path
    /// captures the response in a closure (captured there, it would be boxed on every call).
    private func handLater(_ response: Response) {
        let responder = self
        loop.execute { responder.hand(response) }
    }

    private func hand(_ response: consuming Response) {
        if let receiver {
            receiver.receive(response, exchange: exchange)
        } else {
            deliver(response)
        }
    }
}

/// Takes the response to one request by its number on the connection (`HTTP1Connection`).
protocol ResponseReceiver: AnyObject {
    /// Called on the connection's loop.
    func receive(_ response: consuming Response, exchange: UInt64)
}
