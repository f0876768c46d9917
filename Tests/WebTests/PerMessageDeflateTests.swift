import XCTest
@testable import Web

final class PerMessageDeflateTests: XCTestCase {
    private typealias B = WebSocketTestBytes

    private func negotiate(_ header: String, _ configure: (inout PerMessageDeflate.Configuration) -> Void = { _ in })
        -> PerMessageDeflate? {
        var configuration = PerMessageDeflate.Configuration()
        configure(&configuration)
        return PerMessageDeflate.negotiate([header], configuration: configuration)
    }

    // MARK: Negotiation

    func testBareOfferIsAcceptedWithoutContextTakeoverByDefault() {
        let agreed = negotiate("permessage-deflate")
        XCTAssertEqual(agreed?.responseHeaderValue, "permessage-deflate; server_no_context_takeover; client_no_context_takeover")
        XCTAssertEqual(agreed?.serverMaxWindowBits, 15)
        XCTAssertEqual(agreed?.clientMaxWindowBits, 15)
    }

    func testContextTakeoverIsKeptWhenConfiguredAndNotAskedAway() {
        let agreed = negotiate("permessage-deflate; client_max_window_bits") {
            $0.serverNoContextTakeover = false
            $0.clientNoContextTakeover = false
        }
        XCTAssertEqual(agreed?.responseHeaderValue, "permessage-deflate")
        XCTAssertEqual(agreed?.serverNoContextTakeover, false)
    }

    func testClientRequestsAreHonoured() {
        let agreed = negotiate("permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12") {
            $0.serverNoContextTakeover = false
            $0.clientNoContextTakeover = false
        }
        XCTAssertEqual(agreed?.serverNoContextTakeover, true)
        XCTAssertEqual(agreed?.serverMaxWindowBits, 10)
        XCTAssertEqual(agreed?.clientMaxWindowBits, 12)
        XCTAssertEqual(agreed?.responseHeaderValue,
                       "permessage-deflate; server_no_context_takeover; server_max_window_bits=10; client_max_window_bits=12")
    }

    func testServerLimitsWindowsBelowTheOffer() {
        let agreed = negotiate("permessage-deflate; server_max_window_bits=12; client_max_window_bits") {
            $0.serverMaxWindowBits = 9
            $0.clientMaxWindowBits = 10
        }
        XCTAssertEqual(agreed?.serverMaxWindowBits, 9)
        XCTAssertEqual(agreed?.clientMaxWindowBits, 10)
        XCTAssertTrue(agreed?.responseHeaderValue.contains("client_max_window_bits=10") ?? false)
    }

    func testClientWindowIsNotLimitedUnlessTheClientOffersIt() {
        let agreed = negotiate("permessage-deflate") { $0.clientMaxWindowBits = 9 }
        XCTAssertEqual(agreed?.clientMaxWindowBits, 15)
        XCTAssertFalse(agreed?.responseHeaderValue.contains("client_max_window_bits") ?? true)
    }

    func testQuotedValuesAreUnquoted() {
        XCTAssertEqual(negotiate("permessage-deflate; server_max_window_bits=\"11\"")?.serverMaxWindowBits, 11)
    }

    func testInvalidOffersAreDeclined() {
        let invalid = [
            "permessage-deflate; server_max_window_bits",          // needs a value
            "permessage-deflate; server_max_window_bits=7",
            "permessage-deflate; server_max_window_bits=16",
            "permessage-deflate; server_max_window_bits=08",
            "permessage-deflate; client_max_window_bits=abc",
            "permessage-deflate; server_no_context_takeover=1",
            "permessage-deflate; client_no_context_takeover; client_no_context_takeover",
            "permessage-deflate; mystery_parameter",
            "x-webkit-deflate-frame",
        ]
        for offer in invalid {
            XCTAssertNil(negotiate(offer), offer)
        }
    }

    func testFirstAcceptableOfferOfSeveralWins() {
        let header = "permessage-deflate; server_max_window_bits=5, permessage-deflate; server_max_window_bits=11, permessage-deflate"
        XCTAssertEqual(negotiate(header)?.serverMaxWindowBits, 11)
        let split = PerMessageDeflate.negotiate(["foo, permessage-deflate; bogus", "permessage-deflate; client_max_window_bits"],
                                                configuration: PerMessageDeflate.Configuration())
        XCTAssertNotNil(split)
    }

    func testEightBitServerWindowCompressesWithNine() {
        let agreed = negotiate("permessage-deflate; server_max_window_bits=8")
        XCTAssertEqual(agreed?.serverMaxWindowBits, 8)
        XCTAssertEqual(agreed?.compressorWindowBits, 9)
        XCTAssertTrue(agreed?.responseHeaderValue.contains("server_max_window_bits=8") ?? false)
    }

    func testNineBitCompressorOutputInflatesWithAnEightBitWindow() throws {
        // The reason 9 may stand in for 8: zlib never references more than 512 - 262 bytes back.
        var text: [UInt8] = []
        for i in 0..<4000 { text += Array("line \(i % 97) of a text with repeats at many distances \(i % 13)\n".utf8) }
        let deflater = try XCTUnwrap(Deflater(windowBits: 9))
        let inflater = try XCTUnwrap(Inflater(windowBits: 8))
        var output: [UInt8] = []
        for chunk in stride(from: 0, to: text.count, by: 10_000) {
            let compressed = deflater.compress(Array(text[chunk..<min(text.count, chunk + 10_000)]))
            try (compressed + Inflater.messageTail).withUnsafeBytes { try inflater.inflate($0, into: &output, limit: 1 << 24) }
        }
        XCTAssertEqual(output, text)
    }

    // MARK: Deflater and Inflater

    func testCompressedMessageEndsWithoutTheSyncTail() throws {
        let deflater = try XCTUnwrap(Deflater(windowBits: 15))
        let compressed = deflater.compress(Array("Hello".utf8))
        XCTAssertNotEqual(Array(compressed.suffix(4)), [0, 0, 0xFF, 0xFF])
        let inflater = try XCTUnwrap(Inflater(windowBits: 15))
        var output: [UInt8] = []
        try (compressed + Inflater.messageTail).withUnsafeBytes { try inflater.inflate($0, into: &output, limit: 100) }
        XCTAssertEqual(output, Array("Hello".utf8))
    }

    func testRFC7692ExampleHelloInflates() throws {
        // RFC 7692 7.2.3.1: "Hello" compressed without context takeover.
        let inflater = try XCTUnwrap(Inflater(windowBits: 15))
        var output: [UInt8] = []
        try ([0xF2, 0x48, 0xCD, 0xC9, 0xC9, 0x07, 0x00] + Inflater.messageTail).withUnsafeBytes {
            try inflater.inflate($0, into: &output, limit: 100)
        }
        XCTAssertEqual(output, Array("Hello".utf8))
    }

    func testContextTakeoverShrinksARepeatedMessage() throws {
        let deflater = try XCTUnwrap(Deflater(windowBits: 15))
        let message = Array("a message long enough to be worth remembering between messages".utf8)
        let first = deflater.compress(message)
        let second = deflater.compress(message)
        XCTAssertLessThan(second.count, first.count / 2)
        deflater.reset()
        XCTAssertEqual(deflater.compress(message), first)
    }

    func testInflatedSizeIsBoundedAgainstABomb() throws {
        let deflater = try XCTUnwrap(Deflater(windowBits: 15, level: 9))
        let bomb = deflater.compress([UInt8](repeating: 0, count: 8 << 20))
        XCTAssertLessThan(bomb.count, 16 * 1024)
        let inflater = try XCTUnwrap(Inflater(windowBits: 15))
        var output: [UInt8] = []
        XCTAssertThrowsError(try bomb.withUnsafeBytes { try inflater.inflate($0, into: &output, limit: 1 << 20) }) { error in
            XCTAssertEqual(error as? Inflater.Failure, .tooBig(limit: 1 << 20))
        }
        XCTAssertLessThanOrEqual(output.count, (1 << 20) + 1)
    }

    func testCorruptDeflateDataFails() throws {
        let inflater = try XCTUnwrap(Inflater(windowBits: 15))
        var output: [UInt8] = []
        // BTYPE 11 is reserved.
        XCTAssertThrowsError(try [0xFF, 0xFF, 0xFF].withUnsafeBytes { try inflater.inflate($0, into: &output, limit: 100) })
    }

    // MARK: Reading compressed messages

    private let noTakeover = PerMessageDeflate(serverNoContextTakeover: true, clientNoContextTakeover: true)
    private let takeover = PerMessageDeflate(serverNoContextTakeover: false, clientNoContextTakeover: false)

    private func compressedFrames(_ messages: [String], takeover: Bool, fragments: Int = 1) throws -> [UInt8] {
        let deflater = try XCTUnwrap(Deflater(windowBits: 15))
        var bytes: [UInt8] = []
        for message in messages {
            if !takeover { deflater.reset() }
            let payload = deflater.compress(Array(message.utf8))
            let size = max(1, (payload.count + fragments - 1) / fragments)
            var pieces = stride(from: 0, to: payload.count, by: size).map { Array(payload[$0..<min(payload.count, $0 + size)]) }
            if pieces.isEmpty { pieces = [[]] }
            for (i, piece) in pieces.enumerated() {
                bytes += B.frame(i == 0 ? .text : .continuation, piece, fin: i == pieces.count - 1,
                                 rsv: i == 0 ? WebSocketFrameHeader.rsv1 : 0)
            }
        }
        return bytes
    }

    func testCompressedTextMessageIsInflated() throws {
        let bytes = try compressedFrames(["Hello, compressed world"], takeover: false)
        XCTAssertEqual(try B.read(bytes, deflate: noTakeover), [.text("Hello, compressed world")])
    }

    func testCompressedMessageInFragmentsSplitAtEveryByte() throws {
        let text = String(repeating: "fragmented and compressed ☃ ", count: 40)
        let bytes = try compressedFrames([text], takeover: false, fragments: 5) + B.frame(.ping, [1])
        for piece in [1, 2, 3, 7, 64, 1000] {
            XCTAssertEqual(try B.read(bytes, deflate: noTakeover, piece: piece), [.text(text), .ping([1])], "pieces of \(piece)")
        }
    }

    func testContextTakeoverAcrossMessagesInflates() throws {
        let messages = (0..<20).map { "message number \($0) repeats most of what came before it" }
        let bytes = try compressedFrames(messages, takeover: true)
        XCTAssertEqual(try B.read(bytes, deflate: takeover), messages.map { .text($0) })
    }

    func testUncompressedMessagesMixWithCompressedOnes() throws {
        let bytes = try compressedFrames(["squeezed"], takeover: false) + B.text("plain")
        XCTAssertEqual(try B.read(bytes, deflate: noTakeover), [.text("squeezed"), .text("plain")])
    }

    func testCompressionBombIs1009() throws {
        let deflater = try XCTUnwrap(Deflater(windowBits: 15, level: 9))
        let payload = deflater.compress([UInt8](repeating: 0x41, count: 4 << 20))
        let bytes = B.frame(.binary, payload, rsv: WebSocketFrameHeader.rsv1)
        XCTAssertEqual(B.failure(bytes, maxMessageBytes: 1 << 20, deflate: noTakeover), .messageTooBig)
    }

    func testCorruptCompressedMessageIs1007() {
        XCTAssertEqual(B.failure(B.frame(.binary, [0xFF, 0xFF, 0xFF], rsv: WebSocketFrameHeader.rsv1), deflate: noTakeover),
                       .invalidPayloadData)
    }

    func testInvalidUTF8InsideCompressedTextIs1007() throws {
        let deflater = try XCTUnwrap(Deflater(windowBits: 15))
        let payload = deflater.compress([0x61, 0x62, 0xED, 0xA0, 0x80])
        XCTAssertEqual(B.failure(B.frame(.text, payload, rsv: WebSocketFrameHeader.rsv1), deflate: noTakeover),
                       .invalidPayloadData)
    }

    func testRSV1OnContinuationIs1002() throws {
        let bytes = B.frame(.text, [], fin: false, rsv: WebSocketFrameHeader.rsv1)
            + B.frame(.continuation, [0x00], rsv: WebSocketFrameHeader.rsv1)
        XCTAssertEqual(B.failure(bytes, deflate: noTakeover), .protocolError)
    }

    func testRSV1OnControlFrameIs1002() {
        XCTAssertEqual(B.failure(B.frame(.ping, [], rsv: WebSocketFrameHeader.rsv1), deflate: noTakeover), .protocolError)
    }

    func testRSV1WithoutNegotiationIs1002() throws {
        let bytes = try compressedFrames(["not negotiated"], takeover: false)
        XCTAssertEqual(B.failure(bytes), .protocolError)
    }

    func testSharedBroadcastFrameIsCompressedOnceAndInflates() throws {
        let shared = SharedCompression(windowBits: 15, level: 6, memoryLevel: 8, minimumBytes: 16)
        let text = String(repeating: "{\"type\":\"call.status\",\"data\":{}} ", count: 10)
        let broadcast = WebSocketBroadcast(opcode: .text, payload: Array(text.utf8), compressions: [shared])
        let compressed = broadcast.frame(for: shared)
        XCTAssertLessThan(compressed.count, broadcast.frame.count)
        XCTAssertEqual(compressed[0], 0x80 | 0x40 | 0x01)
        var collector = WebSocketFrameCollector(decoder: WebSocketFrameDecoder(requiresMasking: false, allowsRSV1: true))
        let frames = try collector.frames(from: compressed)
        let inflater = try XCTUnwrap(Inflater(windowBits: 15))
        var output: [UInt8] = []
        try (frames[0].payload + Inflater.messageTail).withUnsafeBytes { try inflater.inflate($0, into: &output, limit: 1 << 20) }
        XCTAssertEqual(String(decoding: output, as: UTF8.self), text)
        // A socket that does not share compression gets the plain frame, same storage.
        XCTAssertEqual(broadcast.frame(for: nil), broadcast.frame)
    }
}
