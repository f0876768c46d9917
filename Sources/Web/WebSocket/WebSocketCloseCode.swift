/// A close status code (RFC 6455 section 7.4) and whether a peer may send it on the wire.
public struct WebSocketCloseCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ code: UInt16) { self.rawValue = code }

    public static let normalClosure = WebSocketCloseCode(1000)
    public static let goingAway = WebSocketCloseCode(1001)
    public static let protocolError = WebSocketCloseCode(1002)
    public static let unsupportedData = WebSocketCloseCode(1003)
    /// Reserved: "no status code was present". Never sent; reported when a close frame had no payload.
    public static let noStatusReceived = WebSocketCloseCode(1005)
    /// Reserved: "the connection dropped without a close frame". Never sent; reported to `onClose`.
    public static let abnormalClosure = WebSocketCloseCode(1006)
    public static let invalidPayloadData = WebSocketCloseCode(1007)
    public static let policyViolation = WebSocketCloseCode(1008)
    public static let messageTooBig = WebSocketCloseCode(1009)
    public static let mandatoryExtension = WebSocketCloseCode(1010)
    public static let internalError = WebSocketCloseCode(1011)
    public static let serviceRestart = WebSocketCloseCode(1012)
    public static let tryAgainLater = WebSocketCloseCode(1013)
    public static let badGateway = WebSocketCloseCode(1014)

    /// Whether a close frame may carry this code. 1000-1003 and 1007-1014 are the registered
    /// codes (1012-1014 were registered with IANA after RFC 6455); 3000-4999 belong to libraries
    /// and applications. 1004-1006 and 1015 are reserved, and everything else below 3000 is
    /// unassigned: receiving one of those is a protocol error.
    public var isValidOnWire: Bool {
        switch rawValue {
        case 1000...1003, 1007...1014, 3000...4999: return true
        default: return false
        }
    }

    public var description: String { String(rawValue) }
}
