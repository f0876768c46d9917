/// What the server core reports as it works, for metrics. Each call comes from the thread that
/// did the work (usually an event loop), so an observer must be cheap and never block: atomics,
/// not locks. Every method has an empty default, so an observer picks what it needs.
///
/// Set it once in `ServerConfiguration.observer` (connections, requests, WebSockets) and
/// `Rooms(observer:)` (published messages) before the server starts.
public protocol ServerObserver: AnyObject, Sendable {
    /// A connection was accepted (TCP or Unix socket).
    func connectionOpened()
    /// A connection closed, for whatever reason.
    func connectionClosed()
    /// A response went out. `route` is the matched pattern (`/status/:room`), `static` for the
    /// router's fallback, or "" when nothing matched (404, 405, a request that did not parse).
    /// `method` is the request's method token as sent ("" when the request did not parse).
    /// `micros` runs from the complete request to its response being queued.
    func requestFinished(route: String, method: String, status: Int, micros: Int)
    /// A connection became a WebSocket (after the 101).
    func webSocketOpened()
    /// That WebSocket is gone.
    func webSocketClosed()
    /// `Rooms.publish` framed one message for `recipients` sockets (possibly 0).
    func messagePublished(recipients: Int)
}

extension ServerObserver {
    public func connectionOpened() {}
    public func connectionClosed() {}
    public func requestFinished(route: String, method: String, status: Int, micros: Int) {}
    public func webSocketOpened() {}
    public func webSocketClosed() {}
    public func messagePublished(recipients: Int) {}
}
