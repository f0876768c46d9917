/// Why a WebSocket connection is being failed: the close code to send and a reason naming
/// the rule the peer broke (`"ping payload of 126 bytes exceeds 125"`).
public struct WebSocketError: Error, Equatable, Sendable, CustomStringConvertible {
    public var code: WebSocketCloseCode
    public var reason: String

    public init(_ code: WebSocketCloseCode, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "WebSocket \(code.rawValue): \(reason)" }
}
