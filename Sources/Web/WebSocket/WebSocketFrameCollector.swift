/// Whole frames out of a byte stream, payloads unmasked: the decoder plus the frame in
/// progress. For tests, fuzzing and small clients; the server streams payloads instead
/// (`WebSocketMessageReader`), so it never holds a frame twice.
public struct WebSocketFrameCollector {
    public var decoder: WebSocketFrameDecoder
    private var header: WebSocketFrameHeader?
    private var payload: [UInt8] = []

    public init(decoder: WebSocketFrameDecoder = WebSocketFrameDecoder()) {
        self.decoder = decoder
    }

    /// The frames completed by `bytes`; a partial frame at the end is kept for the next call.
    public mutating func frames(from bytes: [UInt8]) throws -> [WebSocketFrame] {
        var frames: [WebSocketFrame] = []
        try bytes.withUnsafeBytes { buffer in
            var input = buffer
            while let event = try decoder.next(&input) {
                switch event {
                case .header(let h):
                    header = h
                    payload = []
                case .payload(let piece, let phase, let endsFrame):
                    let start = payload.count
                    payload.append(contentsOf: piece)
                    if let key = header?.maskingKey, !piece.isEmpty {
                        payload.withUnsafeMutableBytes { all in
                            let range = UnsafeMutableRawBufferPointer(rebasing: all[start...])
                            key.apply(UnsafeRawBufferPointer(range), phase: phase, into: range)
                        }
                    }
                    if endsFrame, let h = header {
                        frames.append(WebSocketFrame(fin: h.fin, reservedBits: h.reservedBits, opcode: h.opcode, payload: payload))
                        header = nil
                        payload = []
                    }
                }
            }
        }
        return frames
    }
}
