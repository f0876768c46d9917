import Phone
import XCTest

final class NPMReleaseTests: XCTestCase {
    func document(_ dist: String) throws -> JSON {
        try JSONParser.parse(Array("""
            {"dist-tags":{"latest":"2.12.1"},"versions":{"2.12.1":{"dist":\(dist)}}}
            """.utf8))
    }

    func testTheLatestVersionAndItsIntegrityAreRead() throws {
        // sha512 of the empty string.
        let integrity = "sha512-z4PhNX7vuL3xVChQ1m2AB9Yg5AULVxXcg/SpIdNs6c5H0NE8XYXysP+DGNKHfuwvY7kxvUdBeoGlODJ6+SfaPg=="
        let release = try NPMRelease(package: document("{\"tarball\":\"https://r.example/t.tgz\",\"integrity\":\"\(integrity)\"}"), version: nil)
        XCTAssertEqual(release.version, "2.12.1")
        XCTAssertTrue(release.matches([]))
        XCTAssertFalse(release.matches([0]))
    }

    func testAReleaseWithoutSha512IntegrityIsRefused() throws {
        XCTAssertThrowsError(try NPMRelease(package: document("{\"tarball\":\"https://r.example/t.tgz\",\"shasum\":\"abc\"}"), version: nil)) { error in
            XCTAssertEqual("\(error)", "version 2.12.1 has no sha512 integrity; refusing a tarball nothing vouches for")
        }
        XCTAssertThrowsError(try NPMRelease(package: document("{\"tarball\":\"http://r.example/t.tgz\",\"integrity\":\"sha512-x\"}"), version: nil))
        XCTAssertThrowsError(try NPMRelease(package: document("{}"), version: "9.9.9")) { error in
            XCTAssertEqual("\(error)", "the registry has no version 9.9.9")
        }
    }

    func testATarArchiveWithADamagedHeaderIsRefused() {
        var header = [UInt8](repeating: 0, count: 1024)
        header[0] = UInt8(ascii: "a")
        XCTAssertThrowsError(try TarArchive(header))
        XCTAssertThrowsError(try Gunzip.decompress([0x1f, 0x8b, 0, 1, 2], limit: 100))
    }
}
