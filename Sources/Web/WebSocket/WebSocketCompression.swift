/// The permessage-deflate of one socket: what was agreed, how hard to compress, and the
/// compressor kept between messages when we take context over. A socket holds one only when
/// the extension was agreed, so a plain socket pays 8 bytes for all of it.
final class WebSocketCompression {
    let agreed: PerMessageDeflate
    let configuration: PerMessageDeflate.Configuration
    /// Set when this socket's compressed broadcast frames are interchangeable with others'.
    let shared: SharedCompression?
    /// Compressor kept between messages when we take context over; nil until first used.
    private var deflater: Deflater?

    init(agreed: PerMessageDeflate, configuration: PerMessageDeflate.Configuration) {
        self.agreed = agreed
        self.configuration = configuration
        if agreed.serverNoContextTakeover {
            shared = SharedCompression(windowBits: agreed.compressorWindowBits, level: configuration.compressionLevel,
                                       memoryLevel: configuration.memoryLevel,
                                       minimumBytes: configuration.minimumCompressedMessageBytes)
        } else {
            shared = nil
        }
    }

    /// The message as one compressed frame, or nil to send it plain.
    func frame(_ opcode: WebSocketOpcode, _ payload: UnsafeRawBufferPointer) -> [UInt8]? {
        guard payload.count >= configuration.minimumCompressedMessageBytes else { return nil }
        let rsv1 = WebSocketFrameHeader.rsv1
        if let shared {
            guard let deflated = DeflaterPool.shared.compress(payload, key: shared.poolKey),
                  deflated.count < payload.count else { return nil }
            return WebSocketFrameEncoder.encode(reservedBits: rsv1, opcode: opcode, payload: deflated)
        }
        // Context takeover: this socket's own compressor, and every message it saw must go out
        // compressed, or the peer's window would miss it.
        if deflater == nil {
            deflater = Deflater(windowBits: agreed.compressorWindowBits, level: configuration.compressionLevel,
                                memoryLevel: configuration.memoryLevel)
        }
        guard let deflater else { return nil }
        return WebSocketFrameEncoder.encode(reservedBits: rsv1, opcode: opcode, payload: deflater.compress(payload))
    }

    /// Frees the compressor (the socket has closed).
    func release() {
        deflater = nil
    }
}
