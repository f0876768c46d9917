import XCTest
@testable import Web

final class GzipAcceptEncodingTests: XCTestCase {
    private func allows(_ values: String...) -> Bool {
        AcceptEncoding(HTTPHeaders(values.map { ("Accept-Encoding", $0) })).allowsGzip
    }

    func testGzipListedIsAccepted() {
        XCTAssertTrue(allows("gzip"))
        XCTAssertTrue(allows("deflate, gzip, br"))
        XCTAssertTrue(allows("br;q=1.0, gzip;q=0.8, *;q=0.1"))
        XCTAssertTrue(allows("  GZip ; Q = 0.001 "))
        XCTAssertTrue(allows("x-gzip"))
    }

    func testZeroQualityRefusesGzip() {
        XCTAssertFalse(allows("gzip;q=0"))
        XCTAssertFalse(allows("gzip;q=0.0"))
        XCTAssertFalse(allows("gzip; q=0.000, br"))
        XCTAssertFalse(allows("gzip;q=0, *"), "an explicit refusal beats the wildcard")
    }

    func testWildcardCountsOnlyWhenGzipIsNotListed() {
        XCTAssertTrue(allows("br, *"))
        XCTAssertFalse(allows("*;q=0"))
    }

    func testUnreadableQualityRefuses() {
        XCTAssertFalse(allows("gzip;q=abc"))
        XCTAssertFalse(allows("gzip;q=2"))
    }

    func testOtherParametersAreIgnored() {
        XCTAssertTrue(allows("gzip;level=9"))
    }

    func testNoHeaderOrOtherCodingsMeanNoGzip() {
        XCTAssertFalse(AcceptEncoding(HTTPHeaders()).allowsGzip)
        XCTAssertFalse(allows("identity"))
        XCTAssertFalse(allows("br, deflate"))
        XCTAssertFalse(allows(""))
        XCTAssertFalse(allows("gzipx"))
    }

    func testSeveralFieldsAreCombined() {
        XCTAssertTrue(allows("br", "gzip"))
        XCTAssertFalse(allows("br", "gzip;q=0"))
    }
}
