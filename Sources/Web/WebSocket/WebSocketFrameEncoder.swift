/// Writes frames as bytes: header and payload in one array, so a frame goes out in one
/// piece and a broadcast can hand the very same storage to every subscriber.
/// Servers send unmasked frames; the masking key is for clients (tests, load generators).
public enum WebSocketFrameEncoder {
    /// Bytes of header for a payload of `count` bytes (2, 4 or 10, plus 4 when masked).
    public static func headerLength(payloadCount count: Int, masked: Bool = false) -> Int {
        let base = count < 126 ? 2 : (count <= 0xFFFF ? 4 : 10)
        return masked ? base + 4 : base
    }

    /// Appends a frame header to `bytes`.
    public static func appendHeader(to bytes: inout [UInt8], fin: Bool = true, reservedBits: UInt8 = 0,
                                    opcode: WebSocketOpcode, payloadCount count: Int,
                                    maskingKey: WebSocketMaskingKey? = nil) {
        bytes.append((fin ? 0x80 : 0) | (reservedBits & 0x70) | opcode.rawValue)
        let maskBit: UInt8 = maskingKey == nil ? 0 : 0x80
        if count < 126 {
            bytes.append(maskBit | UInt8(count))
        } else if count <= 0xFFFF {
            bytes.append(maskBit | 126)
            bytes.append(UInt8(count >> 8))
            bytes.append(UInt8(count & 0xFF))
        } else {
            bytes.append(maskBit | 127)
            for shift in stride(from: 56, through: 0, by: -8) {
                bytes.append(UInt8(truncatingIfNeeded: UInt64(count) >> UInt64(shift)))
            }
        }
        if let key = maskingKey {
            bytes.append(key.bytes.0)
            bytes.append(key.bytes.1)
            bytes.append(key.bytes.2)
            bytes.append(key.bytes.3)
        }
    }

    /// One whole frame carrying `payload`.
    public static func encode<Payload: Collection>(
        fin: Bool = true, reservedBits: UInt8 = 0, opcode: WebSocketOpcode, payload: Payload,
        maskingKey: WebSocketMaskingKey? = nil
    ) -> [UInt8] where Payload.Element == UInt8 {
        let count = payload.count
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerLength(payloadCount: count, masked: maskingKey != nil) + count)
        appendHeader(to: &bytes, fin: fin, reservedBits: reservedBits, opcode: opcode, payloadCount: count,
                     maskingKey: maskingKey)
        let start = bytes.count
        bytes.append(contentsOf: payload)
        if let key = maskingKey {
            bytes.withUnsafeMutableBytes { all in
                let range = UnsafeMutableRawBufferPointer(rebasing: all[start...])
                key.apply(UnsafeRawBufferPointer(range), phase: 0, into: range)
            }
        }
        return bytes
    }

    public static func encode(_ frame: WebSocketFrame, maskingKey: WebSocketMaskingKey? = nil) -> [UInt8] {
        encode(fin: frame.fin, reservedBits: frame.reservedBits, opcode: frame.opcode, payload: frame.payload,
               maskingKey: maskingKey)
    }

    /// A close frame: the code in network order, then the reason cut to fit the 125-byte
    /// control-frame limit without splitting a UTF-8 sequence.
    public static func close(code: WebSocketCloseCode?, reason: String = "",
                             maskingKey: WebSocketMaskingKey? = nil) -> [UInt8] {
        guard let code else { return encode(opcode: .close, payload: [UInt8](), maskingKey: maskingKey) }
        var payload: [UInt8] = [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)]
        payload.append(contentsOf: truncatedUTF8(reason, maxBytes: 123))
        return encode(opcode: .close, payload: payload, maskingKey: maskingKey)
    }

    /// The first `maxBytes` bytes of `text` or fewer, ending on a character boundary.
    static func truncatedUTF8(_ text: String, maxBytes: Int) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count > maxBytes else { return utf8 }
        var end = maxBytes
        // Back off continuation bytes (10xxxxxx) so the cut lands before a lead byte.
        while end > 0 && utf8[end] & 0xC0 == 0x80 { end -= 1 }
        return Array(utf8[0..<end])
    }
}
