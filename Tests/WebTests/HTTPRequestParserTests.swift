import XCTest
@testable import Web

final class HTTPRequestParserTests: XCTestCase {
    private func parse(_ text: String, limits: Limits = Limits()) -> (HTTPRequestParser.Step, HTTPRequestParser) {
        parse(Array(text.utf8), limits: limits)
    }

    private func parse(_ bytes: [UInt8], limits: Limits = Limits()) -> (HTTPRequestParser.Step, HTTPRequestParser) {
        var parser = HTTPRequestParser(limits: limits)
        var step = bytes.withUnsafeBytes { parser.parse($0) }
        if step == .head { step = bytes.withUnsafeBytes { parser.parse($0) } }
        return (step, parser)
    }

    private func assertFails(_ text: String, _ code: Int, limits: Limits = Limits(), file: StaticString = #filePath, line: UInt = #line) {
        let (step, _) = parse(text, limits: limits)
        guard case .failure(let error) = step else {
            return XCTFail("expected \(code), got \(step)", file: file, line: line)
        }
        XCTAssertEqual(error.status.code, code, error.message, file: file, line: line)
    }

    func testSimpleGetParsesMethodTargetVersionAndHeaders() {
        let text = "GET /a/b?x=1 HTTP/1.1\r\nHost: example.com\r\nX-Thing:  value  \r\n\r\n"
        let (step, parser) = parse(text)
        XCTAssertEqual(step, .request(consumed: text.utf8.count))
        let head = parser.requestHead
        XCTAssertEqual(head?.method, "GET")
        XCTAssertEqual(head?.target, "/a/b?x=1")
        XCTAssertEqual(head?.version, .http1_1)
        XCTAssertEqual(head?.headers["host"], "example.com")
        XCTAssertEqual(head?.headers["X-Thing"], "value")
        XCTAssertEqual(head?.keepAlive, true)
    }

    func testIncompleteHeadNeedsMoreBytes() {
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: a\r\n").0, .needMore)
    }

    func testContentLengthBodyIsReturnedWithConsumedCount() {
        let text = "POST /f HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloGET"
        let (step, parser) = parse(text)
        XCTAssertEqual(step, .request(consumed: text.utf8.count - 3))
        XCTAssertEqual(parser.body, Array("hello".utf8))
    }

    func testChunkedBodyIsDecodedWithExtensionsAndTrailers() {
        let text = "POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"
        let (step, parser) = parse(text)
        XCTAssertEqual(step, .request(consumed: text.utf8.count))
        XCTAssertEqual(String(decoding: parser.body, as: UTF8.self), "hello world")
    }

    func testChunkedBodyArrivingByteByByteGivesTheSameBody() {
        let text = Array("POST /f HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n1\r\nd\r\n0\r\n\r\n".utf8)
        var parser = HTTPRequestParser()
        var buffer: [UInt8] = []
        var final: HTTPRequestParser.Step = .needMore
        for byte in text {
            buffer.append(byte)
            final = buffer.withUnsafeBytes { parser.parse($0) }
            if case .failure = final { return XCTFail("failed at \(buffer.count): \(final)") }
        }
        XCTAssertEqual(final, .request(consumed: text.count))
        XCTAssertEqual(parser.body, Array("abcd".utf8))
    }

    func testHeadStepComesOnceBeforeTheBodyForExpectContinue() {
        var parser = HTTPRequestParser()
        let head = Array("POST /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n".utf8)
        XCTAssertEqual(head.withUnsafeBytes { parser.parse($0) }, .head)
        XCTAssertEqual(parser.requestHead?.expectsContinue, true)
        XCTAssertEqual(head.withUnsafeBytes { parser.parse($0) }, .needMore)
        let whole = head + Array("abc".utf8)
        XCTAssertEqual(whole.withUnsafeBytes { parser.parse($0) }, .request(consumed: whole.count))
    }

    func testBothContentLengthAndTransferEncodingIs400() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400)
    }

    func testDifferingDuplicateContentLengthsAre400() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3, 4\r\n\r\nabcd", 400)
    }

    func testIdenticalDuplicateContentLengthsAreAccepted() {
        let (step, parser) = parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc")
        guard case .request = step else { return XCTFail("\(step)") }
        XCTAssertEqual(parser.body, Array("abc".utf8))
    }

    func testNonNumericOrSignedContentLengthIs400() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc", 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 0x10\r\n\r\n", 400)
    }

    func testChunkedBodyWithBadSizeIs400() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\nabc\r\n0\r\n\r\n", 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n\r\nabc\r\n0\r\n\r\n", 400)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 x\r\nabc\r\n0\r\n\r\n", 400)
    }

    func testChunkSizeOverflowIs413() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffffff\r\n", 413)
    }

    func testChunkDataWithoutCRLFIs400() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcX\r\n0\r\n\r\n", 400)
    }

    func testObsFoldIs400() {
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n c\r\n\r\n", 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\r\n\tc\r\n\r\n", 400)
    }

    func testSpaceBeforeColonIs400() {
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-A : b\r\n\r\n", 400)
    }

    func testControlBytesInHeaderValueAre400() {
        for byte in [0x00, 0x01, 0x0B, 0x1F, 0x7F] {
            assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-A: b\(Character(Unicode.Scalar(UInt8(byte))))c\r\n\r\n", 400)
        }
    }

    func testBareLineFeedInHeadersIs400() {
        assertFails("GET / HTTP/1.1\r\nHost: a\nX-A: b\r\n\r\n", 400)
    }

    func testOverlongRequestLineIs414() {
        assertFails("GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\nHost: a\r\n\r\n", 414)
        // Known as soon as the line is too long, before the head ends.
        assertFails("GET /" + String(repeating: "a", count: 9000), 414)
    }

    func testTooManyHeadersIs431() {
        var limits = Limits()
        limits.maxHeaderCount = 10
        let headers = (0..<11).map { "X-\($0): v\r\n" }.joined()
        assertFails("GET / HTTP/1.1\r\nHost: a\r\n" + headers + "\r\n", 431, limits: limits)
    }

    func testHeaderSectionOverLimitIs431() {
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + String(repeating: "v", count: 17_000) + "\r\n\r\n", 431)
    }

    func testBodyOverTheLimitIs413() {
        var limits = Limits()
        limits.maxBodyBytes = 10
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", 413, limits: limits)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n6\r\nabcdef\r\n6\r\nabcdef\r\n0\r\n\r\n", 413, limits: limits)
    }

    func testUnsupportedTransferCodingsAre501() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\n", 501)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 501)
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501)
    }

    func testTransferEncodingInHTTP10Is400() {
        assertFails("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400)
    }

    func testMissingOrDuplicateHostIs400() {
        assertFails("GET / HTTP/1.1\r\n\r\n", 400)
        assertFails("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400)
    }

    func testHTTP2VersionIs505AndGarbageVersionIs400() {
        assertFails("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505)
        assertFails("GET / HTTX/1.1\r\nHost: a\r\n\r\n", 400)
        assertFails("GET / HTTP/1.1 \r\nHost: a\r\n\r\n", 400)
    }

    func testBadMethodOrTargetIs400() {
        assertFails("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertFails("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertFails("GET a HTTP/1.1\r\nHost: a\r\n\r\n", 400)
        assertFails("GET /\u{7F} HTTP/1.1\r\nHost: a\r\n\r\n", 400)
    }

    func testUnknownExpectationIs417() {
        assertFails("POST / HTTP/1.1\r\nHost: a\r\nExpect: magic\r\nContent-Length: 0\r\n\r\n", 417)
    }

    func testKeepAliveDefaultsFollowTheVersion() {
        XCTAssertEqual(parse("GET / HTTP/1.0\r\n\r\n").1.requestHead?.keepAlive, false)
        XCTAssertEqual(parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").1.requestHead?.keepAlive, true)
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").1.requestHead?.keepAlive, false)
        XCTAssertEqual(parse("GET / HTTP/1.1\r\nHost: a\r\nConnection: Upgrade, Close\r\n\r\n").1.requestHead?.keepAlive, false)
    }

    func testLeadingEmptyLineBeforeRequestLineIsIgnored() {
        let (step, parser) = parse("\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n")
        guard case .request = step else { return XCTFail("\(step)") }
        XCTAssertEqual(parser.requestHead?.target, "/")
    }

    func testPipelinedRequestsParseOneAfterAnother() {
        var buffer = Array("GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nhiGET /3 HTTP/1.1\r\nHost: a\r\n\r\n".utf8)
        var parser = HTTPRequestParser()
        var targets: [String] = []
        while !buffer.isEmpty {
            guard case .request(let consumed) = buffer.withUnsafeBytes({ parser.parse($0) }) else { return XCTFail("stalled") }
            targets.append(parser.requestHead?.target ?? "")
            buffer.removeFirst(consumed)
            parser.reset()
        }
        XCTAssertEqual(targets, ["/1", "/2", "/3"])
    }

    func testRequestTargetSplitsDecodesPathAndKeepsQueryRaw() throws {
        let (path, query) = try RequestTarget.split("/a%20b/c?x=%41&y=1")
        XCTAssertEqual(path, "/a b/c")
        XCTAssertEqual(query, "x=%41&y=1")
        XCTAssertEqual(try RequestTarget.split("http://example.com/p?q").path, "/p")
        XCTAssertThrowsError(try RequestTarget.split("/a%zz"))
        XCTAssertThrowsError(try RequestTarget.split("/a%00b"))
        XCTAssertThrowsError(try RequestTarget.split("/a%ff"))
    }

    func testForwardedHeadersCountOnlyFromTrustedProxies() throws {
        var headers = HTTPHeaders()
        headers.add("Host", "internal:8080")
        headers.add("X-Forwarded-For", "198.51.100.7, 10.0.0.2")
        headers.add("X-Forwarded-Proto", "https")
        headers.add("X-Forwarded-Host", "phone.example.com")
        let proxies = try TrustedProxies(["127.0.0.1", "10.0.0.0/8"])
        let trusted = RequestOrigin(peerAddress: "127.0.0.1", peerIsTrustedProxy: true, headers: headers, proxies: proxies)
        XCTAssertEqual(trusted.clientAddress, "198.51.100.7")
        XCTAssertEqual(trusted.scheme, "https")
        XCTAssertEqual(trusted.host, "phone.example.com")
        let untrusted = RequestOrigin(peerAddress: "203.0.113.1", peerIsTrustedProxy: false, headers: headers, proxies: proxies)
        XCTAssertEqual(untrusted.clientAddress, "203.0.113.1")
        XCTAssertEqual(untrusted.scheme, "http")
        XCTAssertEqual(untrusted.host, "internal:8080")
    }

    func testRepeatedForwardedFieldsTheLastForAndTheFirstProtoAndHostCount() throws {
        var headers = HTTPHeaders()
        headers.add("host", "internal:8080")
        headers.add("X-Forwarded-For", "192.0.2.99")
        headers.add("x-forwarded-proto", "https")
        headers.add("X-Forwarded-Host", "phone.example.com")
        headers.add("Host", "second:1")
        headers.add("x-forwarded-for", "198.51.100.7")
        headers.add("X-Forwarded-Proto", "http")
        headers.add("X-Forwarded-Host", "other.example.com")
        let proxies = try TrustedProxies(["127.0.0.1"])
        let trusted = RequestOrigin(peerAddress: "127.0.0.1", peerIsTrustedProxy: true, headers: headers, proxies: proxies)
        XCTAssertEqual(trusted.clientAddress, "198.51.100.7")
        XCTAssertEqual(trusted.scheme, "https")
        XCTAssertEqual(trusted.host, "phone.example.com")
        let untrusted = RequestOrigin(peerAddress: "203.0.113.1", peerIsTrustedProxy: false, headers: headers, proxies: proxies)
        XCTAssertEqual(untrusted.host, "internal:8080")
        XCTAssertEqual(untrusted.clientAddress, "203.0.113.1")
    }

    func testTrustedProxiesMatchCIDRAndRejectGarbage() throws {
        let proxies = try TrustedProxies(["10.0.0.0/8", "::1", "fd00::/8"])
        XCTAssertTrue(proxies.contains("10.1.2.3"))
        XCTAssertTrue(proxies.contains("::ffff:10.1.2.3"))
        XCTAssertTrue(proxies.contains("::1"))
        XCTAssertTrue(proxies.contains("fd12::5"))
        XCTAssertFalse(proxies.contains("11.0.0.1"))
        XCTAssertFalse(proxies.contains("not-an-ip"))
        XCTAssertThrowsError(try TrustedProxies(["10.0.0.0/33"]))
        XCTAssertThrowsError(try TrustedProxies(["example.com"]))
    }

    func testListenAddressesParseAndRejectNonsense() throws {
        XCTAssertEqual(try ListenAddress(parsing: "127.0.0.1:8080"), .tcp(host: "127.0.0.1", port: 8080))
        XCTAssertEqual(try ListenAddress(parsing: "[::1]:8080"), .tcp(host: "::1", port: 8080))
        XCTAssertEqual(try ListenAddress(parsing: "unix:/run/s.sock"), .unix(path: "/run/s.sock"))
        XCTAssertThrowsError(try ListenAddress(parsing: "127.0.0.1:99999"))
        XCTAssertThrowsError(try ListenAddress(parsing: "example.com:80"))
        XCTAssertThrowsError(try ListenAddress(parsing: "[::1]8080"))
        XCTAssertThrowsError(try ListenAddress(parsing: "unix:"))
    }

    func testResponseHeadNeverCarriesCRLFFromHandlers() {
        var response = Response.text("x")
        response.headers.add("X-Evil", "a\r\nSet-Cookie: pwned=1")
        let head = String(decoding: HTTPResponseEncoder.head(response, version: .http1_1, keepAlive: true, date: "D", bodyLength: 1), as: UTF8.self)
        XCTAssertFalse(head.contains("\r\nSet-Cookie"))
        XCTAssertTrue(head.hasPrefix("HTTP/1.1 200 OK\r\n"))
        XCTAssertTrue(head.contains("Content-Length: 1\r\n"))
    }
}
