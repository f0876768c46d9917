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
    /// Longest chunk-size line of a chunked body, extensions included (1 KiB). Past it: 400.
    public var maxChunkLineBytes = 1024
    /// Request body bytes held in memory across the whole server (32 MiB): each body reserves its
    /// `Content-Length` (a chunked one, what it has sent so far) until its response is written.
    /// A body that does not fit is refused with 503 and its connection closed; bodies already
    /// admitted never suffer for it.
    public var maxBufferedBodyBytes = 32 * 1024 * 1024
    /// Bytes read from one connection and not yet parsed (the head, a body's unparsed tail and
    /// requests pipelined behind one that is being answered): head + body limits + 64 KiB. Past it
    /// reading pauses while a response is pending; otherwise the request gets 413.
    public var maxInboundBytes: Int { maxHeaderBytes + maxBodyBytes + 64 * 1024 }
    /// Bytes queued to one connection that the peer has not read yet (4 MiB). Past it the server
    /// stops reading and answering that connection's pipelined requests until the peer reads.
    public var maxOutboundBytes = 4 * 1024 * 1024
    /// Pipelined requests answered from one connection's buffered bytes in one turn of its loop
    /// (32); the rest wait for the next turn, so one client cannot hold a loop.
    public var maxPipelinedRequests = 32
    /// `recv` calls on one connection per loop wake-up (4, of 64 KiB each): a fast sender cannot
    /// starve the other connections on its loop.
    public var maxReadsPerWakeup = 4
    /// Time a closing connection keeps reading and dropping input after its last response (2 s),
    /// so the peer reads that response instead of a reset.
    public var lingerMillis = 2_000
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
