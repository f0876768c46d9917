import XCTest
@testable import Web

final class MediaTypeTests: XCTestCase {
    func testTextualTypesCarryUTF8Charset() {
        let expected = [
            "index.html": "text/html; charset=utf-8", "app.css": "text/css; charset=utf-8",
            "app.js": "text/javascript; charset=utf-8", "mod.mjs": "text/javascript; charset=utf-8",
            "data.json": "application/json; charset=utf-8", "app.js.map": "application/json; charset=utf-8",
            "icon.svg": "image/svg+xml; charset=utf-8", "robots.txt": "text/plain; charset=utf-8",
            "feed.xml": "text/xml; charset=utf-8", "site.webmanifest": "application/manifest+json; charset=utf-8",
        ]
        for (name, type) in expected { XCTAssertEqual(MediaType.forFileName(name).headerValue, type, name) }
    }

    func testBinaryTypesHaveNoCharset() {
        let expected = [
            "a.png": "image/png", "a.jpg": "image/jpeg", "a.jpeg": "image/jpeg", "a.gif": "image/gif",
            "a.webp": "image/webp", "favicon.ico": "image/x-icon", "f.woff2": "font/woff2",
            "m.wasm": "application/wasm",
        ]
        for (name, type) in expected { XCTAssertEqual(MediaType.forFileName(name).headerValue, type, name) }
    }

    func testExtensionIsCaseInsensitive() {
        XCTAssertEqual(MediaType.forFileName("PHOTO.JPG"), .jpeg)
        XCTAssertEqual(MediaType.forFileExtension("Html"), .html)
    }

    func testUnknownOrMissingExtensionIsOctetStream() {
        XCTAssertEqual(MediaType.forFileName("README"), .octetStream)
        XCTAssertEqual(MediaType.forFileName("archive.xyz"), .octetStream)
        XCTAssertEqual(MediaType.forFileName("trailing."), .octetStream)
    }

    func testAlreadyCompressedFormatsAreNotCompressible() {
        XCTAssertFalse(MediaType.png.isCompressible)
        XCTAssertFalse(MediaType.woff2.isCompressible)
        XCTAssertTrue(MediaType.javascript.isCompressible)
        XCTAssertTrue(MediaType.svg.isCompressible)
        XCTAssertTrue(MediaType.wasm.isCompressible)
    }
}
