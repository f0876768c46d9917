import XCTest
@testable import Web

/// `Range: bytes=…` against a body of known length (RFC 9110 §14.1.2, §14.2, §15.5.17).
final class ByteRangeTests: XCTestCase {
    private func part(_ first: Int, _ last: Int) -> ByteRange.Request { .part(ByteRange(first: first, last: last)) }

    func testSingleRangesAreServed() {
        XCTAssertEqual(ByteRange.request("bytes=0-", length: 100), part(0, 99))
        XCTAssertEqual(ByteRange.request("bytes=10-19", length: 100), part(10, 19))
        XCTAssertEqual(ByteRange.request("bytes=90-500", length: 100), part(90, 99), "a last past the end is the end")
        XCTAssertEqual(ByteRange.request("bytes=-10", length: 100), part(90, 99))
        XCTAssertEqual(ByteRange.request("bytes=-1000", length: 100), part(0, 99))
        XCTAssertEqual(ByteRange.request("Bytes=5-5", length: 100), part(5, 5), "the unit is case-insensitive")
        XCTAssertEqual(ByteRange.request(" bytes= 7-8 ", length: 100), part(7, 8))
    }

    func testRangesPastTheEndAreUnsatisfiable() {
        XCTAssertEqual(ByteRange.request("bytes=100-", length: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.request("bytes=150-160", length: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.request("bytes=-0", length: 100), .unsatisfiable)
        XCTAssertEqual(ByteRange.request("bytes=0-", length: 0), .unsatisfiable)
    }

    func testHeadersNotServedAreIgnored() {
        for header in [nil, "items=0-5", "bytes=", "bytes=5-1", "bytes=a-", "bytes=1-b", "bytes=0-1,4-5", "bytes=5",
                       "bytes=+1-2", "bytes=" + String(repeating: "9", count: 19) + "-", "bytes=--5", "bytes=0x1-2"] {
            XCTAssertEqual(ByteRange.request(header, length: 100), .whole, header ?? "nil")
        }
    }

    func testIfRangeNeedsTheSameStrongTag() {
        XCTAssertTrue(ByteRange.ifRangeAllows(nil, etag: "\"a\""))
        XCTAssertTrue(ByteRange.ifRangeAllows("\"a\"", etag: "\"a\""))
        XCTAssertFalse(ByteRange.ifRangeAllows("\"b\"", etag: "\"a\""))
        XCTAssertFalse(ByteRange.ifRangeAllows("W/\"a\"", etag: "\"a\""))
        XCTAssertFalse(ByteRange.ifRangeAllows("Wed, 21 Oct 2015 07:28:00 GMT", etag: "\"a\""))
    }

    func testResponses() {
        let body = Array(UInt8(0)..<UInt8(50))
        func answer(_ headers: [(String, String)]) -> Response {
            var request = Request(method: "GET", target: "/a", path: "/a", query: "")
            for (name, value) in headers { request.headers.add(name, value) }
            return ByteRange.response(for: request, body: body, etag: "\"t\"", contentType: "audio/mpeg")
        }
        let whole = answer([])
        XCTAssertEqual(whole.status.code, 200)
        XCTAssertEqual(whole.body, body)
        XCTAssertEqual(whole.headers["Accept-Ranges"], "bytes")
        XCTAssertEqual(whole.headers["ETag"], "\"t\"")
        let part = answer([("Range", "bytes=10-12")])
        XCTAssertEqual(part.status.code, 206)
        XCTAssertEqual(part.body, [10, 11, 12])
        XCTAssertEqual(part.headers["Content-Range"], "bytes 10-12/50")
        XCTAssertEqual(part.headers["Content-Type"], "audio/mpeg")
        let refused = answer([("Range", "bytes=50-")])
        XCTAssertEqual(refused.status.code, 416)
        XCTAssertEqual(refused.headers["Content-Range"], "bytes */50")
        XCTAssertEqual(refused.body, [])
        XCTAssertEqual(answer([("Range", "bytes=10-12"), ("If-Range", "\"old\"")]).status.code, 200)
    }
}
