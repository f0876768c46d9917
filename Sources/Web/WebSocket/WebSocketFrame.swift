/// One whole WebSocket frame: what the encoder writes and what tests build and compare.
/// The decoder streams payloads instead (see `WebSocketFrameDecoder`), so a big frame is
/// never held twice.
public struct WebSocketFrame: Equatable, Sendable {
    public var fin: Bool
    /// RSV1-3 as they sit in the first header byte (0x40, 0x20, 0x10). RSV1 marks a
    /// permessage-deflate message; the others have no meaning here.
    public var reservedBits: UInt8
    public var opcode: WebSocketOpcode
    public var payload: [UInt8]

    public init(fin: Bool = true, reservedBits: UInt8 = 0, opcode: WebSocketOpcode, payload: [UInt8] = []) {
        self.fin = fin
        self.reservedBits = reservedBits
        self.opcode = opcode
        self.payload = payload
    }

    public var rsv1: Bool { reservedBits & WebSocketFrameHeader.rsv1 != 0 }
}

/// The fixed part of a frame, decoded: everything but the payload bytes.
public struct WebSocketFrameHeader: Equatable, Sendable {
    public static let rsv1: UInt8 = 0x40
    public static let rsv2: UInt8 = 0x20
    public static let rsv3: UInt8 = 0x10

    public var fin: Bool
    public var reservedBits: UInt8
    public var opcode: WebSocketOpcode
    public var maskingKey: WebSocketMaskingKey?
    public var payloadLength: Int

    public init(fin: Bool, reservedBits: UInt8, opcode: WebSocketOpcode, maskingKey: WebSocketMaskingKey?,
                payloadLength: Int) {
        self.fin = fin
        self.reservedBits = reservedBits
        self.opcode = opcode
        self.maskingKey = maskingKey
        self.payloadLength = payloadLength
    }

    public var rsv1: Bool { reservedBits & WebSocketFrameHeader.rsv1 != 0 }
}
