import XCTest
@testable import Web

/// Client-side bytes for the WebSocket tests: masked frames as a browser would send them.
enum WebSocketTestBytes {
    static let key = WebSocketMaskingKey(0x37, 0xFA, 0x21, 0x3D)

    static func frame(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true, rsv: UInt8 = 0,
                      masked: Bool = true) -> [UInt8] {
        WebSocketFrameEncoder.encode(fin: fin, reservedBits: rsv, opcode: opcode, payload: payload,
                                     maskingKey: masked ? key : nil)
    }

    static func text(_ text: String, fin: Bool = true) -> [UInt8] {
        frame(.text, Array(text.utf8), fin: fin)
    }

    static func close(_ code: UInt16, _ reason: [UInt8] = []) -> [UInt8] {
        frame(.close, [UInt8(code >> 8), UInt8(code & 0xFF)] + reason)
    }

    /// Feeds `bytes` to `reader` in pieces of `piece` bytes and collects every message.
    static func read(_ reader: inout WebSocketMessageReader, _ bytes: [UInt8], piece: Int = .max) throws -> [WebSocketMessage] {
        var messages: [WebSocketMessage] = []
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + min(piece, bytes.count - offset))
            try bytes[offset..<end].withUnsafeBytes { raw in
                var input = raw
                while let message = try reader.next(&input) { messages.append(message) }
                XCTAssertTrue(input.isEmpty, "reader left bytes unconsumed")
            }
            offset = end
        }
        return messages
    }

    static func read(_ bytes: [UInt8], maxMessageBytes: Int = 1 << 20, deflate: PerMessageDeflate? = nil,
                     piece: Int = .max) throws -> [WebSocketMessage] {
        var reader = WebSocketMessageReader(maxMessageBytes: maxMessageBytes, deflate: deflate)
        return try read(&reader, bytes, piece: piece)
    }

    /// The close code the reader fails with, or nil when it does not fail.
    static func failure(_ bytes: [UInt8], maxMessageBytes: Int = 1 << 20, deflate: PerMessageDeflate? = nil,
                        piece: Int = .max) -> WebSocketCloseCode? {
        do {
            _ = try read(bytes, maxMessageBytes: maxMessageBytes, deflate: deflate, piece: piece)
            return nil
        } catch let error as WebSocketError {
            return error.code
        } catch {
            return nil
        }
    }
}

final class WebSocketFrameDecoderTests: XCTestCase {
    private func decode(_ bytes: [UInt8], requiresMasking: Bool = true, allowsRSV1: Bool = false,
                        max: Int = 1 << 20) throws -> [WebSocketFrame] {
        var collector = WebSocketFrameCollector(decoder: WebSocketFrameDecoder(
            requiresMasking: requiresMasking, allowsRSV1: allowsRSV1, maxFramePayloadBytes: max))
        return try collector.frames(from: bytes)
    }

    private func error(_ bytes: [UInt8], requiresMasking: Bool = true, allowsRSV1: Bool = false,
                       max: Int = 1 << 20) -> WebSocketError? {
        do {
            _ = try decode(bytes, requiresMasking: requiresMasking, allowsRSV1: allowsRSV1, max: max)
            return nil
        } catch let error as WebSocketError {
            return error
        } catch {
            return nil
        }
    }

    func testMaskedTextFrameDecodesToItsPayload() throws {
        let frames = try decode(WebSocketTestBytes.text("Hello"))
        XCTAssertEqual(frames, [WebSocketFrame(opcode: .text, payload: Array("Hello".utf8))])
    }

    func testRFCExampleOfMaskedHelloDecodes() throws {
        // RFC 6455 5.7: a single-frame masked text message containing "Hello".
        let bytes: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        XCTAssertEqual(try decode(bytes), [WebSocketFrame(opcode: .text, payload: Array("Hello".utf8))])
    }

    func testPayloadLengthEncodingsRoundTripAtEveryBoundary() throws {
        for length in [0, 1, 125, 126, 127, 65_535, 65_536, 70_000] {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31) }
            let bytes = WebSocketTestBytes.frame(.binary, payload)
            XCTAssertEqual(bytes.count, WebSocketFrameEncoder.headerLength(payloadCount: length, masked: true) + length)
            XCTAssertEqual(try decode(bytes), [WebSocketFrame(opcode: .binary, payload: payload)], "length \(length)")
        }
    }

    func testFramesSplitAtEveryByteDecodeTheSame() throws {
        let bytes = WebSocketTestBytes.text("fragment one", fin: false)
            + WebSocketTestBytes.frame(.ping, Array("p".utf8))
            + WebSocketTestBytes.frame(.continuation, Array(repeating: 0x61, count: 300))
        let whole = try decode(bytes)
        for split in 0...bytes.count {
            var collector = WebSocketFrameCollector()
            let frames = try collector.frames(from: Array(bytes[..<split])) + collector.frames(from: Array(bytes[split...]))
            XCTAssertEqual(frames, whole, "split at \(split)")
        }
        var collector = WebSocketFrameCollector()
        var frames: [WebSocketFrame] = []
        for byte in bytes { frames += try collector.frames(from: [byte]) }
        // Byte-by-byte gives the same frames, payloads unmasked with the right key phase.
        XCTAssertEqual(frames.map(\.opcode), [.text, .ping, .continuation])
        XCTAssertEqual(frames[2].payload, Array(repeating: 0x61, count: 300))
    }

    func testUnmaskedClientFrameIs1002() {
        let failure = error(WebSocketTestBytes.frame(.text, Array("hi".utf8), masked: false))
        XCTAssertEqual(failure?.code, .protocolError)
        XCTAssertEqual(failure?.reason, "client frame is not masked")
    }

    func testClientSideDecoderAcceptsUnmaskedServerFrames() throws {
        let frames = try decode(WebSocketFrameEncoder.encode(opcode: .text, payload: Array("ok".utf8)), requiresMasking: false)
        XCTAssertEqual(frames, [WebSocketFrame(opcode: .text, payload: Array("ok".utf8))])
    }

    func testReservedBitsWithoutExtensionAre1002() {
        for rsv: UInt8 in [0x40, 0x20, 0x10, 0x70] {
            XCTAssertEqual(error(WebSocketTestBytes.frame(.text, [0x61], rsv: rsv))?.code, .protocolError, "rsv \(rsv)")
        }
        // RSV1 is fine once permessage-deflate is on; RSV2/RSV3 never are.
        XCTAssertNil(error(WebSocketTestBytes.frame(.text, [0x61], rsv: 0x40), allowsRSV1: true))
        XCTAssertEqual(error(WebSocketTestBytes.frame(.text, [0x61], rsv: 0x20), allowsRSV1: true)?.code, .protocolError)
    }

    func testReservedOpcodesAre1002() {
        for opcode: UInt8 in [3, 4, 5, 6, 7, 0xB, 0xC, 0xD, 0xE, 0xF] {
            let bytes: [UInt8] = [0x80 | opcode, 0x80, 1, 2, 3, 4]
            let failure = error(bytes)
            XCTAssertEqual(failure?.code, .protocolError, "opcode \(opcode)")
            XCTAssertTrue(failure?.reason.hasPrefix("reserved opcode") ?? false)
        }
    }

    func testReservedOpcodeFailsOnItsFirstByte() {
        // Nothing after the first byte is needed to refuse it.
        var collector = WebSocketFrameCollector()
        XCTAssertThrowsError(try collector.frames(from: [0x83]))
    }

    func testControlFrameOver125BytesIs1002BeforeItsPayload() {
        var collector = WebSocketFrameCollector()
        // Header only: ping with 16-bit length 126.
        XCTAssertThrowsError(try collector.frames(from: [0x89, 0xFE])) { error in
            XCTAssertEqual((error as? WebSocketError)?.code, .protocolError)
        }
        XCTAssertNil(error(WebSocketTestBytes.frame(.ping, Array(repeating: 1, count: 125))))
    }

    func testFragmentedControlFrameIs1002() {
        XCTAssertEqual(error(WebSocketTestBytes.frame(.ping, [1], fin: false))?.code, .protocolError)
        XCTAssertEqual(error(WebSocketTestBytes.frame(.close, [0x03, 0xE8], fin: false))?.code, .protocolError)
    }

    func testLengthWithMostSignificantBitIs1002() {
        let bytes: [UInt8] = [0x82, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 4]
        XCTAssertEqual(error(bytes)?.code, .protocolError)
    }

    func testFrameOverLimitIs1009BeforeItsPayload() {
        var collector = WebSocketFrameCollector(decoder: WebSocketFrameDecoder(maxFramePayloadBytes: 1000))
        // 64-bit length of 1 GiB and the key; no payload sent at all.
        let header: [UInt8] = [0x82, 0xFF, 0, 0, 0, 0, 0x40, 0, 0, 0, 1, 2, 3, 4]
        XCTAssertThrowsError(try collector.frames(from: header)) { error in
            XCTAssertEqual((error as? WebSocketError)?.code, .messageTooBig)
        }
    }

    func testDecoderStaysFailedAfterAnError() {
        var collector = WebSocketFrameCollector()
        XCTAssertThrowsError(try collector.frames(from: [0x83]))
        XCTAssertThrowsError(try collector.frames(from: WebSocketTestBytes.text("fine")))
    }

    func testDecoderBetweenFramesIsAtBoundary() throws {
        var collector = WebSocketFrameCollector()
        XCTAssertTrue(collector.decoder.isAtFrameBoundary)
        let bytes = WebSocketTestBytes.text("abc")
        _ = try collector.frames(from: Array(bytes.prefix(3)))
        XCTAssertFalse(collector.decoder.isAtFrameBoundary)
        XCTAssertEqual(try collector.frames(from: Array(bytes.dropFirst(3))), [WebSocketFrame(opcode: .text, payload: Array("abc".utf8))])
        XCTAssertTrue(collector.decoder.isAtFrameBoundary)
    }

    func testMaskingAtEveryPhaseMatchesByteWiseXor() {
        let key = WebSocketMaskingKey(0x01, 0x80, 0xFE, 0x7F)
        let source = (0..<77).map { UInt8(truncatingIfNeeded: $0 * 7) }
        for phase in 0..<8 {
            for start in 0..<source.count {
                let piece = Array(source[start...])
                var out = [UInt8](repeating: 0, count: piece.count)
                piece.withUnsafeBytes { src in
                    out.withUnsafeMutableBytes { key.apply(src, phase: phase + start, into: $0) }
                }
                let expected = piece.enumerated().map { $0.element ^ key[phase + start + $0.offset] }
                XCTAssertEqual(out, expected, "phase \(phase) start \(start)")
            }
        }
    }
}
