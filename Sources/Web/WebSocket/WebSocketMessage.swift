/// One complete thing received on a WebSocket: a reassembled (and inflated, and for text
/// validated) data message, or a control frame.
public enum WebSocketMessage: Equatable, Sendable {
    case text(String)
    case binary([UInt8])
    case ping([UInt8])
    case pong([UInt8])
    /// The peer's close frame: nil code when it had no payload (reported as 1005).
    case close(WebSocketCloseCode?, String)
}
