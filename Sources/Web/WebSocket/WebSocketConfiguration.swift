/// What a WebSocket endpoint offers beyond RFC 6455 itself. Sizes and timeouts come from the
/// server's `Limits` (`maxWebSocketMessageBytes`, `maxWebSocketOutboundBytes`,
/// `webSocketPingIntervalMillis`, `webSocketCloseTimeoutMillis`).
public struct WebSocketConfiguration: Sendable {
    /// permessage-deflate settings; nil never negotiates compression.
    public var compression: PerMessageDeflate.Configuration?
    /// Subprotocols this endpoint speaks, in order of preference; the first one the client
    /// also offers is chosen (unless the upgrade decision names one).
    public var subprotocols: [String]

    public init(compression: PerMessageDeflate.Configuration? = PerMessageDeflate.Configuration(),
                subprotocols: [String] = []) {
        self.compression = compression
        self.subprotocols = subprotocols
    }
}
