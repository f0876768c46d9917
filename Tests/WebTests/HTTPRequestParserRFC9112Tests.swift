import XCTest
@testable import Web

/// The cases a differential run against llhttp and RFC 9112 found: each one refused (or accepted)
/// as the RFC says, and at once.
final class HTTPRequestParserRFC9112Tests: XCTestCase {
    private func step(_ text: String, limits: Limits = Limits(), bodyLimit: BodyLimit? = nil) -> HTTPRequestParser.Step {
        var parser = HTTPRequestParser(limits: limits, bodyLimit: bodyLimit)
        let bytes = Array(text.utf8)
        var step = bytes.withUnsafeBytes { parser.parse($0) }
        if step == .head { step = bytes.withUnsafeBytes { parser.parse($0) } }
        return step
    }

    private func assertStatus(_ text: String, _ code: Int, bodyLimit: BodyLimit? = nil,
                              file: StaticString = #filePath, line: UInt = #line) {
        guard case .failure(let error) = step(text, bodyLimit: bodyLimit) else {
            return XCTFail("expected \(code) for \(text.debugDescription), got \(step(text))", file: file, line: line)
        }
        XCTAssertEqual(error.status.code, code, error.message, file: file, line: line)
    }

    private func assertAccepted(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        guard case .request = step(text) else {
            return XCTFail("expected a request for \(text.debugDescription), got \(step(text))", file: file, line: line)
        }
    }

    private func chunked(_ sizeLine: String) -> String {
        "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\(sizeLine)\r\nhello\r\n0\r\n\r\n"
    }

    func testChunkSizeWithTrailingWhitespaceAndNoExtensionIs400() {
        assertStatus(chunked("5 "), 400)
        assertStatus(chunked("5\t"), 400)
    }

    func testChunkExtensionWithEmptyOrNonTokenNameIs400() {
        assertStatus(chunked("5;"), 400)
        assertStatus(chunked("5;@"), 400)
        assertStatus(chunked("5;a b"), 400)
        assertStatus(chunked("5;a="), 400)
    }

    func testChunkExtensionWithUnterminatedQuotedValueIs400() {
        assertStatus(chunked("5;a=\"b"), 400)
    }

    func testWellFormedChunkExtensionsAreAccepted() {
        assertAccepted(chunked("5;a"))
        assertAccepted(chunked("5 ; a = b"))
        assertAccepted(chunked("5;a=\"b;c\\\"d\";e"))
        assertAccepted(chunked("0005"))
    }

    func testHostThatIsNotUriHostAndPortIs400() {
        for host in ["a b", "a/b", "a@b", "a:b", "a:80:90", "[::1", "[]", "a%zz", "a?b", "a#b", "\"a\""] {
            assertStatus("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n", 400)
        }
    }

    func testHostForms9112AllowsAreAccepted() {
        for host in ["example.com", "example.com:8080", "127.0.0.1:1", "[::1]:80", "[::1]", "a-b_c~d", "xn--bcher-kva.example", "a%41b", "", "a:"] {
            assertAccepted("GET / HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        }
    }

    func testBareLineFeedIs400BeforeTheHeadEnds() {
        // The head is not complete (no blank line), yet the bare LF is already an error: no 408 later.
        assertStatus("GET / HTTP/1.1\nHost: a\n", 400)
        assertStatus("GET / HTTP/1.1\r\nHost: a\n", 400)
        assertStatus("\nGET / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testEmptyTransferEncodingListElementsAreIgnored() {
        assertAccepted("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: , chunked\r\n\r\n0\r\n\r\n")
        assertAccepted("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked ,,\r\n\r\n0\r\n\r\n")
        assertStatus("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: ,\r\n\r\n", 400)
    }

    func testLeadingZerosDoNotCountAgainstTheContentLengthDigitLimit() {
        let zeros = String(repeating: "0", count: 20)
        assertAccepted("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(zeros)5\r\n\r\nhello")
        assertAccepted("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: \(zeros)\r\n\r\n")
        assertStatus("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1234567890123456\r\n\r\n", 413)
    }

    func testUnknownMethodIs501() {
        assertStatus("BREW / HTTP/1.1\r\nHost: a\r\n\r\n", 501)
        assertStatus("get / HTTP/1.1\r\nHost: a\r\n\r\n", 501)
        assertAccepted("PATCH / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n")
    }

    func testRouteBodyLimitRefusesContentLengthFromTheHead() {
        // Only the head is here: the 413 comes before any body byte.
        let limit: BodyLimit = { _, target in target == "/small" ? 10 : nil }
        assertStatus("POST /small HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 413, bodyLimit: limit)
        var parser = HTTPRequestParser(bodyLimit: limit)
        let head = Array("POST /big HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n".utf8)
        XCTAssertEqual(head.withUnsafeBytes { parser.parse($0) }, .head, "another route keeps the server's limit")
    }

    func testRouteBodyLimitRefusesAChunkedBodyAsSoonAsItPassesIt() {
        let limit: BodyLimit = { _, _ in 8 }
        // The second chunk's size line is enough; its data never arrives.
        assertStatus("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n5\r\n", 413, bodyLimit: limit)
    }

    func testRouteBodyLimitIsNotAskedForRequestsWithoutABody() {
        let limit: BodyLimit = { _, _ in XCTFail("asked for a GET"); return 0 }
        guard case .request = step("GET / HTTP/1.1\r\nHost: a\r\n\r\n", bodyLimit: limit) else { return XCTFail() }
    }

    func testDiscardingParsedBytesKeepsAChunkedBodyOnce() {
        var parser = HTTPRequestParser()
        var buffer = Array("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel".utf8)
        XCTAssertEqual(buffer.withUnsafeBytes { parser.parse($0) }, .head)
        buffer.removeFirst(parser.discardParsed())
        // Only what the parser has not decoded is left raw.
        XCTAssertEqual(buffer, [])
        XCTAssertEqual(parser.body, Array("hel".utf8))
        buffer += Array("lo\r\n6\r\n world\r\n0\r\n\r\n".utf8)
        XCTAssertEqual(buffer.withUnsafeBytes { parser.parse($0) }, .request(consumed: buffer.count))
        XCTAssertEqual(String(decoding: parser.body, as: UTF8.self), "hello world")
    }

    func testDiscardingParsedBytesWorksForAContentLengthBody() {
        var parser = HTTPRequestParser()
        var buffer = Array("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhe".utf8)
        XCTAssertEqual(buffer.withUnsafeBytes { parser.parse($0) }, .head)
        buffer.removeFirst(parser.discardParsed())
        buffer += Array("lloGET".utf8)
        XCTAssertEqual(buffer.withUnsafeBytes { parser.parse($0) }, .request(consumed: 3))
        XCTAssertEqual(parser.body, Array("hello".utf8))
    }
}
