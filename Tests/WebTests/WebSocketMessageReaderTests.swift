import XCTest
@testable import Web

final class WebSocketMessageReaderTests: XCTestCase {
    private typealias B = WebSocketTestBytes

    func testSingleFrameTextIsOneMessage() throws {
        XCTAssertEqual(try B.read(B.text("hello")), [.text("hello")])
    }

    func testEmptyTextAndBinaryMessages() throws {
        XCTAssertEqual(try B.read(B.frame(.text, []) + B.frame(.binary, [])), [.text(""), .binary([])])
    }

    func testFragmentedMessageIsReassembled() throws {
        let bytes = B.frame(.binary, [1, 2], fin: false) + B.frame(.continuation, [3], fin: false)
            + B.frame(.continuation, [], fin: false) + B.frame(.continuation, [4, 5])
        XCTAssertEqual(try B.read(bytes), [.binary([1, 2, 3, 4, 5])])
    }

    func testControlFramesInterleavedWithFragmentsComeOutFirst() throws {
        let bytes = B.text("frag", fin: false) + B.frame(.ping, Array("p1".utf8))
            + B.frame(.continuation, Array("ment".utf8), fin: false) + B.frame(.pong, [])
            + B.frame(.continuation, Array("ed".utf8))
        XCTAssertEqual(try B.read(bytes), [.ping(Array("p1".utf8)), .pong([]), .text("fragmented")])
    }

    func testEveryByteSplitGivesTheSameMessages() throws {
        let bytes = B.text("héllo ", fin: false) + B.frame(.ping, [9]) + B.frame(.continuation, Array("wörld €𝄞".utf8))
            + B.frame(.binary, Array(repeating: 7, count: 200)) + B.close(1000, Array("bye".utf8))
        let expected: [WebSocketMessage] = [.ping([9]), .text("héllo wörld €𝄞"), .binary(Array(repeating: 7, count: 200)),
                                            .close(.normalClosure, "bye")]
        for piece in 1...9 {
            XCTAssertEqual(try B.read(bytes, piece: piece), expected, "pieces of \(piece)")
        }
    }

    func testContinuationWithoutMessageIs1002() {
        XCTAssertEqual(B.failure(B.frame(.continuation, [1])), .protocolError)
    }

    func testNewMessageInsideFragmentedMessageIs1002() {
        XCTAssertEqual(B.failure(B.text("a", fin: false) + B.text("b")), .protocolError)
        XCTAssertEqual(B.failure(B.frame(.binary, [1], fin: false) + B.frame(.binary, [2])), .protocolError)
    }

    func testMessageOverLimitIs1009() {
        XCTAssertEqual(B.failure(B.frame(.binary, Array(repeating: 0, count: 101)), maxMessageBytes: 100), .messageTooBig)
        XCTAssertNil(B.failure(B.frame(.binary, Array(repeating: 0, count: 100)), maxMessageBytes: 100))
    }

    func testFragmentedMessageOverLimitIs1009AtTheFrameThatCrossesIt() {
        let bytes = B.frame(.binary, Array(repeating: 0, count: 60), fin: false)
            + B.frame(.continuation, Array(repeating: 0, count: 60))
        XCTAssertEqual(B.failure(bytes, maxMessageBytes: 100), .messageTooBig)
        // Only the header of the second frame is needed to know.
        let header = Array(bytes[0..<(66 + 6)])
        XCTAssertEqual(B.failure(header, maxMessageBytes: 100), .messageTooBig)
    }

    func testInvalidUTF8TextIs1007() {
        XCTAssertEqual(B.failure(B.frame(.text, [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80, 0x65, 0x64, 0x69, 0x74, 0x65, 0x64])),
                       .invalidPayloadData)
    }

    func testInvalidUTF8FailsInTheFirstFragmentBeforeTheRestArrives() throws {
        var reader = WebSocketMessageReader(maxMessageBytes: 1 << 20)
        let first = B.frame(.text, Array("ok".utf8) + [0xF5], fin: false)
        XCTAssertThrowsError(try B.read(&reader, first)) { error in
            XCTAssertEqual((error as? WebSocketError)?.code, .invalidPayloadData)
        }
    }

    func testInvalidUTF8FailsInsideAFrameBeforeItsEnd() throws {
        var reader = WebSocketMessageReader(maxMessageBytes: 1 << 20)
        let frame = B.frame(.text, Array("abc".utf8) + [0xC0, 0xAF] + Array(repeating: 0x61, count: 100))
        // Header (6 bytes) + "abc" + the bad lead byte: the rest of the frame never arrives.
        XCTAssertThrowsError(try B.read(&reader, Array(frame[0..<10]))) { error in
            XCTAssertEqual((error as? WebSocketError)?.code, .invalidPayloadData)
        }
    }

    func testTextEndingInsideASequenceIs1007() {
        XCTAssertEqual(B.failure(B.frame(.text, [0x61, 0xE2, 0x82])), .invalidPayloadData)
        XCTAssertEqual(B.failure(B.frame(.text, [0xE2, 0x82], fin: false) + B.frame(.continuation, [])), .invalidPayloadData)
    }

    func testCodePointSplitAcrossFragmentsIsValid() throws {
        // U+1D11E (F0 9D 84 9E) cut after every byte.
        let bytes = B.frame(.text, [0xF0], fin: false) + B.frame(.continuation, [0x9D], fin: false)
            + B.frame(.continuation, [0x84], fin: false) + B.frame(.continuation, [0x9E])
        XCTAssertEqual(try B.read(bytes), [.text("𝄞")])
    }

    func testBinaryMessagesAreNotUTF8Checked() throws {
        XCTAssertEqual(try B.read(B.frame(.binary, [0xFF, 0xC0])), [.binary([0xFF, 0xC0])])
    }

    func testCloseWithoutPayloadHasNoCode() throws {
        XCTAssertEqual(try B.read(B.frame(.close, [])), [.close(nil, "")])
    }

    func testCloseWithOneBytePayloadIs1002() {
        XCTAssertEqual(B.failure(B.frame(.close, [0x03])), .protocolError)
    }

    func testValidCloseCodesAreAccepted() throws {
        for code: UInt16 in [1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999] {
            XCTAssertEqual(try B.read(B.close(code)), [.close(WebSocketCloseCode(code), "")], "code \(code)")
        }
    }

    func testInvalidCloseCodesAre1002() {
        for code: UInt16 in [0, 999, 1004, 1005, 1006, 1015, 1016, 1100, 2000, 2999, 5000, 65535] {
            XCTAssertEqual(B.failure(B.close(code)), .protocolError, "code \(code)")
        }
    }

    func testCloseReasonIsReturnedAndInvalidUTF8ReasonIs1007() throws {
        XCTAssertEqual(try B.read(B.close(1001, Array("gone ✓".utf8))), [.close(.goingAway, "gone ✓")])
        XCTAssertEqual(B.failure(B.close(1000, [0xCE, 0xBA, 0xED, 0xA0, 0x80])), .invalidPayloadData)
    }

    func testMessagesAfterOneAreLeftInTheInput() throws {
        var reader = WebSocketMessageReader(maxMessageBytes: 1 << 20)
        let bytes = B.text("one") + B.text("two")
        try bytes.withUnsafeBytes { raw in
            var input = raw
            XCTAssertEqual(try reader.next(&input), .text("one"))
            XCTAssertEqual(input.count, B.text("two").count)
            XCTAssertEqual(try reader.next(&input), .text("two"))
            XCTAssertNil(try reader.next(&input))
        }
        XCTAssertTrue(reader.isIdle)
    }
}
