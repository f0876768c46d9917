/// One message framed once for many sockets (the uWebSockets idea): the plain frame, plus one
/// compressed frame per set of compression parameters in use among the subscribers. Every
/// subscriber is handed the same `[UInt8]` storage; nothing is copied per socket.
///
/// Only sockets that compress without context takeover can share a compressed frame. A socket
/// whose compressor keeps its window between messages gets the plain frame: compressing for it
/// alone would cost a deflate per subscriber, and an uncompressed message leaves both sides'
/// windows untouched, so the stream stays consistent.
public final class WebSocketBroadcast: @unchecked Sendable {
    public let opcode: WebSocketOpcode
    /// The uncompressed frame.
    public let frame: [UInt8]
    /// Compressed frames by parameter set (immutable once built).
    private let compressedFrames: [SharedCompression: [UInt8]]

    /// Frames `payload` once, and compresses it once per entry of `compressions`.
    init(opcode: WebSocketOpcode, payload: [UInt8], compressions: Set<SharedCompression>) {
        self.opcode = opcode
        frame = WebSocketFrameEncoder.encode(opcode: opcode, payload: payload)
        var compressed: [SharedCompression: [UInt8]] = [:]
        for compression in compressions where payload.count >= compression.minimumBytes {
            let deflated = payload.withUnsafeBytes { DeflaterPool.shared.compress($0, key: compression.poolKey) }
            // Worth it only when it saves bytes; otherwise those sockets get the plain frame.
            if let deflated, deflated.count < payload.count {
                compressed[compression] = WebSocketFrameEncoder.encode(reservedBits: WebSocketFrameHeader.rsv1,
                                                                      opcode: opcode, payload: deflated)
            }
        }
        compressedFrames = compressed
    }

    public convenience init(text: String) {
        self.init(opcode: .text, payload: Array(text.utf8), compressions: [])
    }

    public convenience init(binary: [UInt8]) {
        self.init(opcode: .binary, payload: binary, compressions: [])
    }

    /// True when every socket gets `frame` (nothing was compressed).
    var isPlainOnly: Bool { compressedFrames.isEmpty }

    /// The bytes for a socket with these compression parameters (nil: it never shares).
    func frame(for compression: SharedCompression?) -> [UInt8] {
        guard let compression, let compressed = compressedFrames[compression] else { return frame }
        return compressed
    }
}

/// The parameters that make two sockets' compressed frames interchangeable: no context
/// takeover on our side, and the same window, level, memory level and size threshold.
struct SharedCompression: Hashable, Sendable {
    var windowBits: Int
    var level: Int32
    var memoryLevel: Int32
    var minimumBytes: Int

    var poolKey: DeflaterPool.Key {
        DeflaterPool.Key(windowBits: windowBits, level: level, memoryLevel: memoryLevel)
    }
}
