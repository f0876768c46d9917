/// Turns the bytes a client sends into whole messages: frame decoding, reassembly of
/// fragments (with control frames in between), permessage-deflate inflation, incremental UTF-8
/// validation, and the message size bound. Pure: no socket, so tests and fuzzers feed it bytes.
///
/// Between messages it holds no heap memory, except an inflater kept for a client that takes
/// its compression context over from one message to the next.
public struct WebSocketMessageReader {
    private var decoder: WebSocketFrameDecoder
    private let maxMessageBytes: Int
    private let deflate: PerMessageDeflate?

    private enum Kind { case text, binary }
    /// The data message being reassembled, if any.
    private var kind: Kind?
    private var compressed = false
    private var message: [UInt8] = []
    private var utf8 = UTF8Validator()
    /// The frame whose payload is arriving.
    private var header: WebSocketFrameHeader?
    private var control: [UInt8] = []
    private var inflater: Inflater?

    /// `deflate` is the negotiated permessage-deflate, or nil when none was.
    public init(maxMessageBytes: Int, deflate: PerMessageDeflate? = nil, requiresMasking: Bool = true) {
        self.maxMessageBytes = maxMessageBytes
        self.deflate = deflate
        // A compressed frame may be a little bigger than the message it inflates to (deflate
        // adds 5 bytes per stored block); the inflated size is what the bound applies to.
        let frameLimit = deflate == nil ? maxMessageBytes : maxMessageBytes + maxMessageBytes / 256 + 64
        decoder = WebSocketFrameDecoder(requiresMasking: requiresMasking, allowsRSV1: deflate != nil,
                                        maxFramePayloadBytes: frameLimit)
    }

    /// True when no message or frame is partly received.
    public var isIdle: Bool { kind == nil && header == nil && decoder.isAtFrameBoundary }

    /// True when a fresh reader would read what follows the same way: idle, and no inflater
    /// context kept from one message to the next. Such a reader may be dropped and made again.
    public var canStartOver: Bool { isIdle && inflater == nil }

    /// Consumes bytes from the front of `input` until one message is complete (returned, with
    /// the rest of `input` left for the next call) or the input runs out (nil). Throws the close
    /// code and reason when the client breaks a rule; the reader is unusable after that.
    public mutating func next(_ input: inout UnsafeRawBufferPointer) throws -> WebSocketMessage? {
        while let event = try decoder.next(&input) {
            switch event {
            case .header(let frame):
                try begin(frame)
            case .payload(let piece, let phase, let endsFrame):
                if let message = try receive(piece, phase: phase, endsFrame: endsFrame) {
                    return message
                }
            }
        }
        return nil
    }

    private mutating func begin(_ frame: WebSocketFrameHeader) throws {
        switch frame.opcode {
        case .continuation:
            guard kind != nil else {
                throw WebSocketError(.protocolError, "continuation frame with no fragmented message to continue")
            }
            if frame.rsv1 {
                throw WebSocketError(.protocolError, "RSV1 set on a continuation frame; only a message's first frame may carry it")
            }
        case .text, .binary:
            guard kind == nil else {
                throw WebSocketError(.protocolError, "new \(frame.opcode) message started before the fragmented message was finished")
            }
            kind = frame.opcode == .text ? .text : .binary
            compressed = frame.rsv1
            utf8.reset()
        case .close, .ping, .pong:
            if frame.rsv1 {
                throw WebSocketError(.protocolError, "RSV1 set on a \(frame.opcode) frame; permessage-deflate applies to data frames only")
            }
            control.reserveCapacity(frame.payloadLength)
        }
        // An uncompressed message's size is known from its frame headers: refuse it before its
        // payload arrives. Compressed ones are checked as they inflate.
        if !frame.opcode.isControl && !compressed && message.count + frame.payloadLength > maxMessageBytes {
            throw WebSocketError(.messageTooBig, "message of at least \(message.count + frame.payloadLength) bytes exceeds the limit of \(maxMessageBytes)")
        }
        header = frame
    }

    private mutating func receive(_ piece: UnsafeRawBufferPointer, phase: Int, endsFrame: Bool) throws -> WebSocketMessage? {
        guard let frame = header else { return nil }
        if frame.opcode.isControl {
            append(piece, phase: phase, key: frame.maskingKey, to: &control)
            guard endsFrame else { return nil }
            header = nil
            defer { control = [] }
            return try controlMessage(frame.opcode, control)
        }
        if compressed {
            try inflate(piece, phase: phase, key: frame.maskingKey)
        } else {
            let start = message.count
            if start == 0 && message.capacity < frame.payloadLength {
                // One allocation for a single-frame message, capped so a header that promises
                // a large payload and never sends it does not pin memory.
                message.reserveCapacity(min(frame.payloadLength, 64 * 1024))
            }
            append(piece, phase: phase, key: frame.maskingKey, to: &message)
            try checkText(from: start)
        }
        guard endsFrame else { return nil }
        header = nil
        guard frame.fin else { return nil }
        return try finishMessage()
    }

    private mutating func finishMessage() throws -> WebSocketMessage {
        if compressed {
            try Inflater.messageTail.withUnsafeBytes { tail in try inflate(tail, phase: 0, key: nil) }
            if let deflate, deflate.clientNoContextTakeover { inflater = nil }
        }
        let finished = kind
        kind = nil
        compressed = false
        let bytes = message
        message = []
        if finished == .text {
            guard utf8.isComplete else {
                throw WebSocketError(.invalidPayloadData, "text message ends inside a UTF-8 sequence")
            }
            return .text(String(decoding: bytes, as: UTF8.self))
        }
        return .binary(bytes)
    }

    /// Inflates a piece of a compressed message straight into the message buffer and checks
    /// the new text, so a bad byte fails the message as soon as it comes out of zlib.
    private mutating func inflate(_ piece: UnsafeRawBufferPointer, phase: Int, key: WebSocketMaskingKey?) throws {
        if inflater == nil {
            // An inflater that lives for one message may as well take the largest window: it
            // then also reads a client that ignores the window it agreed to. One kept between
            // messages holds just the agreed window (2^bits bytes).
            let keepsContext = deflate.map { !$0.clientNoContextTakeover } ?? false
            let bits = keepsContext ? (deflate?.clientMaxWindowBits ?? 15) : 15
            guard let made = Inflater(windowBits: bits) else {
                throw WebSocketError(.internalError, "zlib could not set up an inflater")
            }
            inflater = made
        }
        guard let inflater else { return }
        let start = message.count
        do {
            if let key {
                // Unmask in bounded pieces on the stack: no per-connection scratch buffer.
                var offset = 0
                while offset < piece.count {
                    let count = min(4096, piece.count - offset)
                    try withUnsafeTemporaryAllocation(byteCount: count, alignment: 8) { scratch in
                        key.apply(UnsafeRawBufferPointer(rebasing: piece[offset..<(offset + count)]), phase: phase + offset, into: scratch)
                        try inflater.inflate(UnsafeRawBufferPointer(scratch), into: &message, limit: maxMessageBytes)
                    }
                    offset += count
                }
            } else {
                try inflater.inflate(piece, into: &message, limit: maxMessageBytes)
            }
        } catch Inflater.Failure.tooBig(let limit) {
            throw WebSocketError(.messageTooBig, "inflated message exceeds the limit of \(limit) bytes")
        } catch Inflater.Failure.corrupt(let why) {
            throw WebSocketError(.invalidPayloadData, "compressed message is not valid deflate data: \(why)")
        }
        try checkText(from: start)
    }

    private mutating func checkText(from start: Int) throws {
        guard kind == .text, message.count > start else { return }
        let bad = message.withUnsafeBytes { all in utf8.validate(UnsafeRawBufferPointer(rebasing: all[start...])) }
        if let bad {
            throw WebSocketError(.invalidPayloadData, "text message is not valid UTF-8 (byte \(start + bad) of the message)")
        }
    }

    private func append(_ piece: UnsafeRawBufferPointer, phase: Int, key: WebSocketMaskingKey?, to bytes: inout [UInt8]) {
        let start = bytes.count
        bytes.append(contentsOf: piece)
        guard let key, piece.count > 0 else { return }
        bytes.withUnsafeMutableBytes { all in
            let range = UnsafeMutableRawBufferPointer(rebasing: all[start...])
            key.apply(UnsafeRawBufferPointer(range), phase: phase, into: range)
        }
    }

    private func controlMessage(_ opcode: WebSocketOpcode, _ payload: [UInt8]) throws -> WebSocketMessage {
        switch opcode {
        case .ping: return .ping(payload)
        case .pong: return .pong(payload)
        default: return try WebSocketMessageReader.closeMessage(payload)
        }
    }

    /// Reads a close frame's payload: empty, or a valid code then a UTF-8 reason (RFC 6455 5.5.1).
    static func closeMessage(_ payload: [UInt8]) throws -> WebSocketMessage {
        if payload.isEmpty { return .close(nil, "") }
        guard payload.count >= 2 else {
            throw WebSocketError(.protocolError, "close frame payload of 1 byte; a code needs 2")
        }
        let code = WebSocketCloseCode(UInt16(payload[0]) << 8 | UInt16(payload[1]))
        guard code.isValidOnWire else {
            throw WebSocketError(.protocolError, "close code \(code.rawValue) may not be sent on the wire")
        }
        let reason = payload[2...]
        guard UTF8Validator.isValid(Array(reason)) else {
            throw WebSocketError(.invalidPayloadData, "close reason is not valid UTF-8")
        }
        return .close(code, String(decoding: reason, as: UTF8.self))
    }
}
