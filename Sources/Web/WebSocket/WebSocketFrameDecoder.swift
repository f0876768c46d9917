/// Incremental RFC 6455 frame parser: bytes in, frame headers and payload pieces out.
///
/// It never blocks and never buffers a payload: `next(_:)` consumes what it can from the
/// input and returns either a complete header (validated: masking, reserved bits, reserved
/// opcodes, control-frame rules, size bound) or the next piece of the current payload, still
/// masked, as a view into the caller's input. A header split across reads is kept in 14 bytes
/// of fixed storage, so a decoder between frames holds nothing on the heap.
public struct WebSocketFrameDecoder {
    /// What one call to `next(_:)` produced.
    public enum Event {
        case header(WebSocketFrameHeader)
        /// Payload bytes of the current frame exactly as received (masked when the header has a
        /// key). `phase` is the offset of the first byte within the frame's payload, for unmasking.
        /// A frame with an empty payload still yields one empty piece with `endsFrame` set.
        case payload(UnsafeRawBufferPointer, phase: Int, endsFrame: Bool)
    }

    private enum State {
        case header
        case payload(remaining: Int, phase: Int)
        case failed(WebSocketError)
    }

    /// Servers require masked frames from clients (RFC 6455 5.1); a client decoder does not.
    public var requiresMasking: Bool
    /// True when an extension that defines RSV1 (permessage-deflate) was negotiated.
    public var allowsRSV1: Bool
    /// Largest payload one frame may declare; past it the frame is refused with 1009
    /// before any of its payload is read.
    public var maxFramePayloadBytes: Int

    private var state = State.header
    /// Header bytes gathered so far (a header is 2 to 14 bytes).
    private var headerBytes: (UInt64, UInt64) = (0, 0)
    private var headerCount = 0

    public init(requiresMasking: Bool = true, allowsRSV1: Bool = false, maxFramePayloadBytes: Int = 1 << 20) {
        self.requiresMasking = requiresMasking
        self.allowsRSV1 = allowsRSV1
        self.maxFramePayloadBytes = maxFramePayloadBytes
    }

    /// True between frames: nothing of a next frame has arrived yet.
    public var isAtFrameBoundary: Bool {
        if case .header = state { return headerCount == 0 }
        return false
    }

    /// Consumes bytes from the front of `input` and returns the next event, or nil when
    /// `input` is used up before one is complete. Throws the close code and reason once the
    /// peer breaks a framing rule; after that every call throws the same error.
    public mutating func next(_ input: inout UnsafeRawBufferPointer) throws -> Event? {
        switch state {
        case .failed(let error):
            throw error
        case .payload(let remaining, let phase):
            guard !input.isEmpty || remaining == 0 else { return nil }
            let count = min(remaining, input.count)
            let piece = UnsafeRawBufferPointer(rebasing: input[0..<count])
            input = UnsafeRawBufferPointer(rebasing: input[count...])
            if remaining == count {
                state = .header
            } else {
                state = .payload(remaining: remaining - count, phase: phase + count)
            }
            return .payload(piece, phase: phase, endsFrame: remaining == count)
        case .header:
            do {
                return try readHeader(&input)
            } catch let error as WebSocketError {
                state = .failed(error)
                throw error
            }
        }
    }

    private mutating func readHeader(_ input: inout UnsafeRawBufferPointer) throws -> Event? {
        while !input.isEmpty {
            let byte = input[0]
            input = UnsafeRawBufferPointer(rebasing: input[1...])
            withUnsafeMutableBytes(of: &headerBytes) { $0[headerCount] = byte }
            headerCount += 1
            // Each rule is checked as soon as the byte it concerns is in, so a bad frame is
            // refused before its length or payload arrives.
            if headerCount == 1 {
                try checkFirstByte(byte)
            } else if headerCount == 2 {
                try checkSecondByte(byte)
            }
            if headerCount >= 2, headerCount == headerLength {
                let header = try completeHeader()
                headerCount = 0
                headerBytes = (0, 0)
                state = .payload(remaining: header.payloadLength, phase: 0)
                return .header(header)
            }
        }
        return nil
    }

    private func headerByte(_ index: Int) -> UInt8 {
        withUnsafeBytes(of: headerBytes) { $0[index] }
    }

    /// 2 bytes, plus 2 or 8 of extended length, plus 4 of masking key.
    private var headerLength: Int {
        let second = headerByte(1)
        var length = 2
        switch second & 0x7F {
        case 126: length += 2
        case 127: length += 8
        default: break
        }
        if second & 0x80 != 0 { length += 4 }
        return length
    }

    private func checkFirstByte(_ byte: UInt8) throws {
        let reserved = byte & 0x70
        if reserved & (WebSocketFrameHeader.rsv2 | WebSocketFrameHeader.rsv3) != 0 {
            throw WebSocketError(.protocolError, "reserved bits RSV2/RSV3 set (first byte 0x\(hex(byte))) with no extension defining them")
        }
        if reserved & WebSocketFrameHeader.rsv1 != 0 && !allowsRSV1 {
            throw WebSocketError(.protocolError, "reserved bit RSV1 set but permessage-deflate was not negotiated")
        }
        guard let opcode = WebSocketOpcode(rawValue: byte & 0x0F) else {
            throw WebSocketError(.protocolError, "reserved opcode 0x\(hex(byte & 0x0F))")
        }
        if opcode.isControl && byte & 0x80 == 0 {
            throw WebSocketError(.protocolError, "\(opcode) frame is fragmented (FIN clear); control frames must not be")
        }
    }

    private func checkSecondByte(_ byte: UInt8) throws {
        if requiresMasking && byte & 0x80 == 0 {
            throw WebSocketError(.protocolError, "client frame is not masked")
        }
        let opcodeByte = headerByte(0) & 0x0F
        if opcodeByte & 0x8 != 0 && byte & 0x7F > 125 {
            let opcode = WebSocketOpcode(rawValue: opcodeByte).map { "\($0)" } ?? "control"
            throw WebSocketError(.protocolError, "\(opcode) frame declares a payload over 125 bytes")
        }
    }

    private func completeHeader() throws -> WebSocketFrameHeader {
        let first = headerByte(0)
        let second = headerByte(1)
        var offset = 2
        var length: UInt64 = UInt64(second & 0x7F)
        if length == 126 {
            length = UInt64(headerByte(2)) << 8 | UInt64(headerByte(3))
            offset = 4
        } else if length == 127 {
            length = 0
            for i in 2..<10 { length = length << 8 | UInt64(headerByte(i)) }
            offset = 10
            if length & (1 << 63) != 0 {
                throw WebSocketError(.protocolError, "64-bit payload length has its most significant bit set")
            }
        }
        if length > UInt64(maxFramePayloadBytes) {
            throw WebSocketError(.messageTooBig, "frame payload of \(length) bytes exceeds the limit of \(maxFramePayloadBytes)")
        }
        var key: WebSocketMaskingKey?
        if second & 0x80 != 0 {
            key = WebSocketMaskingKey(headerByte(offset), headerByte(offset + 1), headerByte(offset + 2), headerByte(offset + 3))
        }
        // Opcode validity was checked on the first byte.
        let opcode = WebSocketOpcode(rawValue: first & 0x0F) ?? .continuation
        return WebSocketFrameHeader(fin: first & 0x80 != 0, reservedBits: first & 0x70, opcode: opcode,
                                    maskingKey: key, payloadLength: Int(length))
    }
}

/// Two lowercase hex digits, for error messages that name a byte.
private func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(byte >> 4)], digits[Int(byte & 0xF)]])
}
