import Foundation
import XCTest
@testable import Web

/// A throw-away directory tree: `root/` (served) and `outside/` next to it (must never be served).
final class StaticFilesFixture {
    let base: String
    let root: String
    let outside: String

    init() throws {
        base = NSTemporaryDirectory() + "staticfiles-" + UUID().uuidString
        root = base + "/Public"
        outside = base + "/outside"
        try FileManager.default.createDirectory(atPath: root + "/sub", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try write("index.html", "<!doctype html><title>dialer</title>")
        try write("sub/index.html", "<p>sub</p>")
        try write("app.js", String(repeating: "export function dial(n) { return n; }\n", count: 200))
        try write("style.css", "body { color: black; }")
        try write("tiny.txt", "hi")
        try write(".htpasswd", "alice:$2y$secret")
        try Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]).write(to: URL(fileURLWithPath: root + "/logo.png"))
        try "root:x:0:0".write(toFile: outside + "/secret", atomically: true, encoding: .utf8)
    }

    func write(_ relative: String, _ text: String) throws {
        try text.write(toFile: root + "/" + relative, atomically: false, encoding: .utf8)
    }

    func bytes(_ relative: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/" + relative)))
    }

    func setModified(_ relative: String, _ date: Date) throws {
        try FileManager.default.setAttributes([.modificationDate: date], ofItemAtPath: root + "/" + relative)
    }

    deinit { try? FileManager.default.removeItem(atPath: base) }
}

final class StaticFilesTests: XCTestCase {
    private var fixture: StaticFilesFixture!
    private var files: StaticFiles!

    override func setUpWithError() throws {
        fixture = try StaticFilesFixture()
        files = StaticFiles(root: fixture.root)
    }

    private func get(_ target: String, _ headers: [(String, String)] = [], method: String = "GET") -> Response {
        files.respond(to: makeRoutedRequest(method, target, headers: headers))
    }

    private func text(_ response: Response) -> String { String(decoding: response.body, as: UTF8.self) }

    func testSlashServesIndexHtmlWithNoCache() {
        let response = get("/")
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(text(response), "<!doctype html><title>dialer</title>")
        XCTAssertEqual(response.headers["Content-Type"], "text/html; charset=utf-8")
        XCTAssertEqual(response.headers["Cache-Control"], "no-cache")
    }

    func testDirectoryPathWithSlashServesItsIndex() {
        XCTAssertEqual(text(get("/sub/")), "<p>sub</p>")
    }

    func testDirectoryPathWithoutSlashRedirectsToSlash() {
        let response = get("/sub?x=1")
        XCTAssertEqual(response.status, .movedPermanently)
        XCTAssertEqual(response.headers["Location"], "/sub/?x=1")
    }

    func testAssetsGetTypeCharsetAndPublicMaxAge() {
        let css = get("/style.css")
        XCTAssertEqual(css.headers["Content-Type"], "text/css; charset=utf-8")
        XCTAssertEqual(css.headers["Cache-Control"], "public, max-age=3600")
        XCTAssertEqual(css.headers["X-Content-Type-Options"], "nosniff")
        XCTAssertEqual(get("/logo.png").headers["Content-Type"], "image/png")
        XCTAssertEqual(get("/logo.png").body, [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    }

    func testCacheControlIsConfigurable() {
        files = StaticFiles(root: fixture.root, htmlCacheControl: "no-store", cacheControl: "max-age=60")
        XCTAssertEqual(get("/").headers["Cache-Control"], "no-store")
        XCTAssertEqual(get("/app.js").headers["Cache-Control"], "max-age=60")
    }

    func testMissingFileIs404() {
        XCTAssertEqual(get("/nope.js").status, .notFound)
        XCTAssertEqual(get("/sub/nope/").status, .notFound)
    }

    func testOnlyGetAndHeadAreAllowed() {
        let response = get("/app.js", method: "POST")
        XCTAssertEqual(response.status, .methodNotAllowed)
        XCTAssertEqual(response.headers["Allow"], "GET, HEAD")
    }

    func testHeadAnswersLikeGet() {
        let head = get("/style.css", method: "HEAD")
        let full = get("/style.css")
        XCTAssertEqual(head.status, .ok)
        XCTAssertEqual(head.headers["ETag"], full.headers["ETag"])
        XCTAssertEqual(head.body.count, full.body.count, "the server drops the body but sends its length")
    }

    func testETagAndLastModifiedAreSent() throws {
        try fixture.setModified("style.css", Date(timeIntervalSince1970: 784_111_777))
        let response = get("/style.css")
        let tag = try XCTUnwrap(response.headers["ETag"])
        XCTAssertTrue(tag.hasPrefix("\"") && tag.hasSuffix("\"") && !tag.hasPrefix("W/"), tag)
        XCTAssertEqual(response.headers["Last-Modified"], "Sun, 06 Nov 1994 08:49:37 GMT")
    }

    func testIfNoneMatchWithCurrentTagIs304() throws {
        let tag = try XCTUnwrap(get("/style.css").headers["ETag"])
        for header in [tag, "\"other\", " + tag, "W/" + tag, "*", "\"x\",W/\(tag) , \"y\""] {
            let response = get("/style.css", [("If-None-Match", header)])
            XCTAssertEqual(response.status, .notModified, header)
            XCTAssertTrue(response.body.isEmpty)
            XCTAssertEqual(response.headers["ETag"], tag)
            XCTAssertEqual(response.headers["Cache-Control"], "public, max-age=3600")
        }
    }

    func testIfNoneMatchWithOtherTagIs200() {
        for header in ["\"stale\"", "W/\"stale\", \"older\"", "garbage"] {
            XCTAssertEqual(get("/style.css", [("If-None-Match", header)]).status, .ok, header)
        }
    }

    func testIfModifiedSinceIs304WhenNotModifiedSince() throws {
        try fixture.setModified("style.css", Date(timeIntervalSince1970: 784_111_777))
        XCTAssertEqual(get("/style.css", [("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")]).status,
                       .notModified)
        XCTAssertEqual(get("/style.css", [("If-Modified-Since", "Sat, 05 Nov 1994 08:49:37 GMT")]).status, .ok)
        XCTAssertEqual(get("/style.css", [("If-Modified-Since", "not a date")]).status, .ok)
    }

    func testIfModifiedSinceIsIgnoredWhenIfNoneMatchIsPresent() throws {
        try fixture.setModified("style.css", Date(timeIntervalSince1970: 784_111_777))
        let response = get("/style.css", [("If-None-Match", "\"stale\""),
                                          ("If-Modified-Since", "Sun, 06 Nov 1994 08:49:37 GMT")])
        XCTAssertEqual(response.status, .ok)
    }

    func testGzipBodyInflatesToTheFileWithVary() throws {
        let plain = get("/app.js")
        let packed = get("/app.js", [("Accept-Encoding", "gzip, deflate, br")])
        XCTAssertEqual(packed.headers["Content-Encoding"], "gzip")
        XCTAssertEqual(packed.headers["Vary"], "Accept-Encoding")
        XCTAssertEqual(plain.headers["Vary"], "Accept-Encoding", "the identity answer varies too")
        XCTAssertNil(plain.headers["Content-Encoding"])
        XCTAssertLessThan(packed.body.count, plain.body.count)
        XCTAssertEqual(gunzip(packed.body), plain.body)
        XCTAssertNotEqual(packed.headers["ETag"], plain.headers["ETag"], "two representations, two strong tags")
    }

    func testGzipTagRevalidatesToo() throws {
        let tag = try XCTUnwrap(get("/app.js", [("Accept-Encoding", "gzip")]).headers["ETag"])
        let response = get("/app.js", [("Accept-Encoding", "gzip"), ("If-None-Match", tag)])
        XCTAssertEqual(response.status, .notModified)
        XCTAssertEqual(response.headers["ETag"], tag)
    }

    func testAcceptEncodingQualityIsRespected() {
        let cases: [(String, Bool)] = [
            ("gzip;q=0", false), ("gzip; q=0.000, br", false), ("br, *;q=0.5", true), ("gzip;q=0, *", false),
            ("GZIP;Q=0.8", true), ("x-gzip", true), ("identity", false), ("*;q=0", false), ("deflate", false),
        ]
        for (header, expectGzip) in cases {
            let response = get("/app.js", [("Accept-Encoding", header)])
            XCTAssertEqual(response.headers["Content-Encoding"] == "gzip", expectGzip, header)
        }
        XCTAssertNil(get("/app.js").headers["Content-Encoding"], "no header: identity")
    }

    func testGzipIsSkippedWhenItWouldNotShrinkTheBody() {
        let response = get("/tiny.txt", [("Accept-Encoding", "gzip")])
        XCTAssertNil(response.headers["Content-Encoding"])
        XCTAssertNil(response.headers["Vary"])
        XCTAssertEqual(text(response), "hi")
    }

    func testPNGIsNotGzipped() {
        XCTAssertNil(get("/logo.png", [("Accept-Encoding", "gzip")]).headers["Content-Encoding"])
    }

    func testChangedFileIsServedFreshWithNewTag() throws {
        files = StaticFiles(root: fixture.root, revalidateMillis: 0)
        let first = get("/style.css")
        try fixture.write("style.css", "body { color: red; margin: 0; }")
        try fixture.setModified("style.css", Date(timeIntervalSince1970: 1_700_000_000))
        let second = get("/style.css")
        XCTAssertEqual(text(second), "body { color: red; margin: 0; }")
        XCTAssertNotEqual(first.headers["ETag"], second.headers["ETag"])
        XCTAssertEqual(get("/style.css", [("If-None-Match", first.headers["ETag"] ?? "")]).status, .ok)
    }

    func testDeletedFileIs404AfterBeingCached() throws {
        files = StaticFiles(root: fixture.root, revalidateMillis: 0)
        XCTAssertEqual(get("/style.css").status, .ok)
        try FileManager.default.removeItem(atPath: fixture.root + "/style.css")
        XCTAssertEqual(get("/style.css").status, .notFound)
    }

    func testEditedFileIsServedFreshOnceASecondHasPassed() throws {
        XCTAssertEqual(text(get("/style.css")), "body { color: black; }")
        try fixture.write("style.css", "body { color: blue; }")
        try fixture.setModified("style.css", Date(timeIntervalSince1970: 1_700_000_000))
        Thread.sleep(forTimeInterval: 1.2)
        let fresh = get("/style.css")
        XCTAssertEqual(text(fresh), "body { color: blue; }")
        XCTAssertEqual(fresh.headers["Last-Modified"], "Tue, 14 Nov 2023 22:13:20 GMT")
    }

    func testCachedFileIsNotCheckedAgainWithinTheInterval() throws {
        // A long interval: the edit cannot be seen, which shows no request stat'ed the file.
        files = StaticFiles(root: fixture.root, revalidateMillis: 60_000)
        XCTAssertEqual(text(get("/style.css")), "body { color: black; }")
        try fixture.write("style.css", "body { color: blue; }")
        try fixture.setModified("style.css", Date(timeIntervalSince1970: 1_700_000_000))
        XCTAssertEqual(text(get("/style.css")), "body { color: black; }")
    }

    func testHTMLFilesCarryThePageFieldsAndOtherFilesDoNot() {
        files = StaticFiles(root: fixture.root, pageFields: HTTPHeaders([("Content-Security-Policy", "default-src 'self'")]))
        XCTAssertEqual(get("/").headers["Content-Security-Policy"], "default-src 'self'")
        XCTAssertEqual(get("/", [("Accept-Encoding", "gzip")]).headers["Content-Security-Policy"], "default-src 'self'")
        XCTAssertNotNil(get("/").encodedHead, "the field is part of the pre-encoded head")
        XCTAssertNil(get("/style.css").headers["Content-Security-Policy"])
    }

    func testSmallFilesAreCachedAndLargeOnesAreNot() {
        files = StaticFiles(root: fixture.root, maxCachedFileBytes: 100)
        XCTAssertEqual(get("/style.css").status, .ok)
        let afterSmall = files.cachedBytes
        XCTAssertGreaterThan(afterSmall, 0)
        XCTAssertEqual(get("/app.js").file?.count, 7_600, "a large file is still served, from the file")
        XCTAssertEqual(files.cachedBytes, afterSmall, "but not kept")
    }

    func testLargeFileIsSentFromTheOpenFileWithRanges() throws {
        files = StaticFiles(root: fixture.root, maxCachedFileBytes: 100)
        let size = try XCTUnwrap(FileIdentity(path: fixture.root + "/app.js")).size
        let whole = get("/app.js")
        XCTAssertEqual(whole.status, .ok)
        XCTAssertEqual(whole.body, [], "the bytes are not read into memory")
        XCTAssertEqual(whole.file?.offset, 0)
        XCTAssertEqual(whole.file?.count, size)
        XCTAssertEqual(whole.contentLength, size)
        XCTAssertEqual(whole.headers["Accept-Ranges"], "bytes")
        XCTAssertNil(whole.headers["Content-Encoding"])

        let part = get("/app.js", [("Range", "bytes=10-19")])
        XCTAssertEqual(part.status.code, 206)
        XCTAssertEqual(part.headers["Content-Range"], "bytes 10-19/\(size)")
        XCTAssertEqual(part.file?.offset, 10)
        XCTAssertEqual(part.file?.count, 10)
        let descriptor = try XCTUnwrap(part.file?.file.descriptor)
        var read = [UInt8](repeating: 0, count: 10)
        XCTAssertEqual(pread(descriptor, &read, 10, 10), 10)
        XCTAssertEqual(String(decoding: read, as: UTF8.self), String(decoding: try fixture.bytes("app.js")[10..<20], as: UTF8.self))

        let past = get("/app.js", [("Range", "bytes=\(size)-")])
        XCTAssertEqual(past.status.code, 416)
        XCTAssertNil(past.file)
        let stale = get("/app.js", [("Range", "bytes=0-1"), ("If-Range", "\"other\"")])
        XCTAssertEqual(stale.status, .ok)
        XCTAssertEqual(stale.file?.count, size)
        let tag = try XCTUnwrap(whole.headers["ETag"])
        XCTAssertEqual(get("/app.js", [("If-None-Match", tag)]).status, .notModified)
    }

    func testCachedFileAnswersASingleRangeFromItsBytes() throws {
        let bytes = try fixture.bytes("app.js")
        let whole = get("/app.js")
        XCTAssertEqual(whole.headers["Accept-Ranges"], "bytes")
        XCTAssertGreaterThan(files.cachedBytes, 0, "served from memory")

        let part = get("/app.js", [("Range", "bytes=10-19")])
        XCTAssertEqual(part.status.code, 206)
        XCTAssertEqual(part.headers["Content-Range"], "bytes 10-19/\(bytes.count)")
        XCTAssertEqual(part.body, Array(bytes[10..<20]))
        XCTAssertEqual(part.headers["ETag"], whole.headers["ETag"])
        XCTAssertEqual(get("/app.js", [("range", "bytes=-5")]).body, Array(bytes.suffix(5)))
        XCTAssertEqual(get("/app.js", [("Range", "bytes=7000-")]).body, Array(bytes[7000...]))

        let past = get("/app.js", [("Range", "bytes=\(bytes.count)-")])
        XCTAssertEqual(past.status.code, 416)
        XCTAssertEqual(past.headers["Content-Range"], "bytes */\(bytes.count)")
        XCTAssertEqual(past.body, [])
        XCTAssertNil(past.headers["Content-Type"])

        for (range, ifRange) in [("bytes=0-1,5-6", nil), ("items=0-1", nil), ("bytes=0-1", "\"other\""),
                                 ("bytes=0-1", "Sun, 06 Nov 1994 08:49:37 GMT")] as [(String, String?)] {
            var fields = [("Range", range)]
            if let ifRange { fields.append(("If-Range", ifRange)) }
            let answer = get("/app.js", fields)
            XCTAssertEqual(answer.status, .ok, "\(range) \(ifRange ?? "")")
            XCTAssertEqual(answer.body, bytes, "\(range) \(ifRange ?? "")")
        }
        let tag = try XCTUnwrap(whole.headers["ETag"])
        XCTAssertEqual(get("/app.js", [("Range", "bytes=0-1"), ("If-Range", tag)]).body, Array(bytes[0...1]))
        XCTAssertEqual(get("/app.js", [("Range", "bytes=0-1"), ("If-None-Match", tag)]).status, .notModified,
                       "a 304 wins over a range")
    }

    func testRangeOfTheGzipRepresentationCutsTheGzipBytes() throws {
        let packed = get("/app.js", [("Accept-Encoding", "gzip")])
        let gzipBytes = packed.body
        let tag = try XCTUnwrap(packed.headers["ETag"])
        let part = get("/app.js", [("Accept-Encoding", "gzip"), ("Range", "bytes=3-"), ("If-Range", tag)])
        XCTAssertEqual(part.status.code, 206)
        XCTAssertEqual(part.headers["Content-Encoding"], "gzip")
        XCTAssertEqual(part.headers["Content-Range"], "bytes 3-\(gzipBytes.count - 1)/\(gzipBytes.count)")
        XCTAssertEqual(part.body, Array(gzipBytes[3...]))
        // The identity tag in If-Range names another representation: the whole gzip body.
        let plainTag = try XCTUnwrap(get("/app.js").headers["ETag"])
        let other = get("/app.js", [("Accept-Encoding", "gzip"), ("Range", "bytes=3-"), ("If-Range", plainTag)])
        XCTAssertEqual(other.status, .ok)
        XCTAssertEqual(other.body, gzipBytes)
        let past = get("/app.js", [("Accept-Encoding", "gzip"), ("Range", "bytes=\(gzipBytes.count)-")])
        XCTAssertEqual(past.status.code, 416)
        XCTAssertEqual(past.headers["Content-Range"], "bytes */\(gzipBytes.count)")
        XCTAssertNil(past.headers["Content-Encoding"], "no content, nothing encoded")
    }

    func testCacheStaysWithinItsBound() {
        files = StaticFiles(root: fixture.root, maxCacheBytes: 9_000)
        for path in ["/app.js", "/style.css", "/", "/sub/", "/tiny.txt", "/logo.png", "/app.js"] {
            XCTAssertEqual(get(path).status, .ok, path)
            XCTAssertLessThanOrEqual(files.cachedBytes, 9_000)
        }
    }

    func testServedUnderRouterBasePathAsFallback() {
        let router = Router(basePath: "/shetphone")
        router.fallback(files.respond(to:))
        guard case .response(let response) = router.resolve(makeRoutedRequest("GET", "/shetphone/style.css")) else {
            return XCTFail("expected a response")
        }
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "body { color: black; }")
        guard case .response(let index) = router.resolve(makeRoutedRequest("GET", "/shetphone/")) else {
            return XCTFail("expected a response")
        }
        XCTAssertEqual(index.headers["Content-Type"], "text/html; charset=utf-8")
    }

    func testRelativeRootIsMadeAbsolute() {
        XCTAssertTrue(StaticFiles(root: "Public").root.hasPrefix("/"))
    }
}
