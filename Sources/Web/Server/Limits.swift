/// Every bound the server enforces, in one place, with safe defaults.
/// Past a bound the peer gets a clear status or close code and the server serves everyone else.
public struct Limits: Sendable, Equatable {
    /// Bytes of request line + header fields (16 KiB). Past it: 431 (414 for the request line).
    public var maxHeaderBytes = 16 * 1024
    /// Longest request line (8 KiB). Past it: 414.
    public var maxRequestLineBytes = 8 * 1024
    /// Header fields in one request (100). Past it: 431.
    public var maxHeaderCount = 100
    /// Request body bytes, after de-chunking (1 MiB). Past it: 413.
    public var maxBodyBytes = 1024 * 1024
    /// Time allowed to receive a whole request head, from its first byte (10 s; slowloris).
    public var headerReadTimeoutMillis = 10_000
    /// Time allowed for a request body to arrive once its head is in (30 s).
    public var bodyReadTimeoutMillis = 30_000
    /// Idle keep-alive connection lifetime between requests (75 s).
    public var idleTimeoutMillis = 75_000
    /// Open connections (HTTP and WebSocket) across all loops (20,000). Past it new ones are closed at once.
    public var maxConnections = 20_000
    /// Bytes queued to one connection that the peer has not read yet (4 MiB). Past it the connection is closed.
    public var maxOutboundBytes = 4 * 1024 * 1024
    /// Requests read ahead on one connection while earlier ones are answered (pipelining, 32).
    public var maxPipelinedRequests = 32
    /// WebSocket message size after reassembly and inflation (1 MiB). Past it: close 1009.
    public var maxWebSocketMessageBytes = 1024 * 1024
    /// Bytes queued to one WebSocket that it has not read (1 MiB). Past it: close 1008.
    public var maxWebSocketOutboundBytes = 1024 * 1024
    /// Idle time before the server pings a WebSocket (30 s); no pong within the same time drops it.
    public var webSocketPingIntervalMillis = 30_000
    /// Time to wait for the peer's close frame after ours (5 s).
    public var webSocketCloseTimeoutMillis = 5_000
    /// Time that in-flight requests get to finish on SIGTERM (10 s).
    public var shutdownGraceMillis = 10_000

    public init() {}
}
