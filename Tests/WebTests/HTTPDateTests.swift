import XCTest
@testable import Web

final class HTTPDateTests: XCTestCase {
    func testIMFFixdateRoundTrips() {
        XCTAssertEqual(HTTPDate.format(epochSeconds: 784_111_777), "Sun, 06 Nov 1994 08:49:37 GMT")
        XCTAssertEqual(HTTPDate.parse("Sun, 06 Nov 1994 08:49:37 GMT"), 784_111_777)
    }

    func testNumbersThatDoNotFitAreRejectedInsteadOfWrapping() {
        // 4294969396 - 1900 wrapped to 2100 through Int32(...) before; a checked build trapped.
        XCTAssertNil(HTTPDate.parse("Sun, 06 Nov 4294969396 08:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun, 99999999999999999 Nov 1994 08:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun, 06 Nov 1994 9223372036854775807:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun, 06 Nov 1994 08:49:-1 GMT"))
    }

    func testOnlyTheFixedWidthFormIsAccepted() {
        XCTAssertNil(HTTPDate.parse("Sun, 6 Nov 1994 08:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun, 06 Nov 1994 8:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sunday, 06-Nov-94 08:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun Nov  6 08:49:37 1994"))
        XCTAssertNil(HTTPDate.parse("Sun, 32 Nov 1994 08:49:37 GMT"))
        XCTAssertNil(HTTPDate.parse("Sun, 06 Nov 1994 24:00:00 GMT"))
        XCTAssertNil(HTTPDate.parse("Xyz, 06 Nov 1994 08:49:37 GMT"))
    }
}
