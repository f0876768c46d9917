import Foundation
import XCTest
@testable import Web

/// Every way out of the root must end in a plain 404 (never 403: nothing is revealed).
final class StaticFilesTraversalTests: XCTestCase {
    private var fixture: StaticFilesFixture!
    private var files: StaticFiles!

    override func setUpWithError() throws {
        fixture = try StaticFilesFixture()
        files = StaticFiles(root: fixture.root)
    }

    private func assertNotFound(_ request: Request, file: StaticString = #filePath, line: UInt = #line) {
        let response = files.respond(to: request)
        XCTAssertEqual(response.status, .notFound, request.target, file: file, line: line)
        XCTAssertFalse(String(decoding: response.body, as: UTF8.self).contains("root:x"), file: file, line: line)
    }

    private func assertNotFound(_ target: String, file: StaticString = #filePath, line: UInt = #line) {
        assertNotFound(makeRoutedRequest("GET", target), file: file, line: line)
    }

    func testDotDotSegmentsAreRefused() {
        assertNotFound("/../outside/secret")
        assertNotFound("/../etc/passwd")
        assertNotFound("/sub/../../outside/secret")
        assertNotFound("/sub/../index.html")
        assertNotFound("/./index.html")
    }

    func testEncodedDotDotIsRefused() {
        assertNotFound("/%2e%2e/outside/secret")
        assertNotFound("/%2E%2E/outside/secret")
        assertNotFound("/a/%2e%2e/%2e%2e/outside/secret")
        assertNotFound("/.%2e/outside/secret")
        assertNotFound("/sub/%2e%2e/index.html")
    }

    func testEncodedSlashOrBackslashInASegmentIsRefused() {
        assertNotFound("/sub%2f..%2f..%2foutside%2fsecret")
        assertNotFound("/sub%2Findex.html")
        assertNotFound("/..%5coutside%5csecret")
    }

    func testRawBackslashIsRefused() {
        assertNotFound("/sub\\..\\..\\outside\\secret")
        assertNotFound("/sub\\index.html")
    }

    func testNulAndControlBytesAreRefused() {
        // The server refuses %00 before routing; the decoded path is still checked on its own.
        assertNotFound(Request(method: "GET", target: "/index.html%00.png", path: "/index.html\u{0}.png", query: ""))
        assertNotFound("/index.html%00.png")
        assertNotFound("/index%0a.html")
    }

    func testBadEscapesAreRefused() {
        assertNotFound("/index.html%G1")
        assertNotFound("/index.html%4")
        assertNotFound("/%FF.html")
    }

    func testDecodedPathIsCheckedEvenWhenTargetLooksClean() {
        assertNotFound(Request(method: "GET", target: "/x", path: "/../outside/secret", query: ""))
    }

    func testEmptyMiddleSegmentIsRefused() {
        assertNotFound("//index.html")
        assertNotFound("/sub//index.html")
    }

    func testHiddenFilesAreNotServed() {
        assertNotFound("/.htpasswd")
        assertNotFound("/%2ehtpasswd")
    }

    func testSymlinkPointingOutsideTheRootIs404() throws {
        try FileManager.default.createSymbolicLink(atPath: fixture.root + "/leak.txt",
                                                   withDestinationPath: fixture.outside + "/secret")
        try FileManager.default.createSymbolicLink(atPath: fixture.root + "/escape",
                                                   withDestinationPath: fixture.outside)
        try FileManager.default.createSymbolicLink(atPath: fixture.root + "/relative.txt",
                                                   withDestinationPath: "../outside/secret")
        assertNotFound("/leak.txt")
        assertNotFound("/escape/secret")
        assertNotFound("/escape")
        assertNotFound("/relative.txt")
    }

    func testSymlinkSwappedToOutsideAfterCachingIs404() throws {
        // Checked at the next revalidation (here every request; within a second by default).
        files = StaticFiles(root: fixture.root, revalidateMillis: 0)
        try FileManager.default.createSymbolicLink(atPath: fixture.root + "/current.css",
                                                   withDestinationPath: fixture.root + "/style.css")
        XCTAssertEqual(files.respond(to: makeRoutedRequest("GET", "/current.css")).status, .ok)
        try FileManager.default.removeItem(atPath: fixture.root + "/current.css")
        try FileManager.default.createSymbolicLink(atPath: fixture.root + "/current.css",
                                                   withDestinationPath: fixture.outside + "/secret")
        assertNotFound("/current.css")
    }

    func testSymlinkInsideTheRootIsServed() throws {
        try FileManager.default.createSymbolicLink(atPath: fixture.root + "/alias.css",
                                                   withDestinationPath: fixture.root + "/style.css")
        XCTAssertEqual(files.respond(to: makeRoutedRequest("GET", "/alias.css")).status, .ok)
    }

    func testSymlinkedRootIsServed() throws {
        let link = fixture.base + "/current"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: fixture.root)
        files = StaticFiles(root: link)
        XCTAssertEqual(files.respond(to: makeRoutedRequest("GET", "/style.css")).status, .ok)
    }

    func testFifoUnderTheRootIsNotOpened() throws {
        XCTAssertEqual(mkfifo(fixture.root + "/pipe.txt", 0o644), 0)
        assertNotFound("/pipe.txt")
    }

    func testAbsoluteFormTargetIsCheckedToo() {
        assertNotFound("http://example.org/%2e%2e/outside/secret")
        XCTAssertEqual(files.respond(to: makeRoutedRequest("GET", "http://example.org/style.css")).status, .ok)
    }
}
