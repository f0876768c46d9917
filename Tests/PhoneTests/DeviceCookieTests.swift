import Foundation
import Store
import XCTest
@testable import Phone

/// The signed device cookie: only ours verifies, and the key lives in the store (an older
/// release's key file is imported once).
final class DeviceCookieTests: XCTestCase {
    func testIssuedCookieVerifiesToItsUserWithAFreshNonce() throws {
        let signer = DeviceCookieSigner(key: Array(repeating: 7, count: 32))
        let first = try XCTUnwrap(signer.verify(signer.issue(user: "anna-lena")))
        let second = try XCTUnwrap(signer.verify(signer.issue(user: "anna-lena")))
        XCTAssertEqual(first.user, "anna-lena")
        XCTAssertNotEqual(first.nonce, second.nonce)
    }

    func testTamperedForeignOrMalformedCookiesAreNothing() {
        let signer = DeviceCookieSigner(key: Array(repeating: 7, count: 32))
        let cookie = signer.issue(user: "alice")
        var parts = cookie.split(separator: ".").map(String.init)
        parts[1] = Base64.urlEncode(Array("bob".utf8))
        XCTAssertNil(signer.verify(parts.joined(separator: ".")), "another user's name under alice's MAC")
        XCTAssertNil(DeviceCookieSigner(key: Array(repeating: 8, count: 32)).verify(cookie), "another server's key")
        for junk in [nil, "", "v1", "v1...", "v2." + cookie.dropFirst(3), cookie + ".x", String(repeating: "a", count: 600)] {
            XCTAssertNil(signer.verify(junk), "\(junk ?? "nil")")
        }
    }

    /// A state folder and a store in it, as a start-up sees them.
    private final class StartUp {
        let folder = NSTemporaryDirectory() + "device-key-\(UUID().uuidString)"
        let log = CapturedLog()
        var keyPath: String { folder + "/" + DeviceCookieSigner.keyFileName }

        init() throws {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(atPath: folder) }

        /// Opens the store, loads the signer, closes the store.
        func load() throws -> DeviceCookieSigner {
            let store = try SQLiteStore(path: folder + "/shetphone.db", logger: log.logger())
            defer { store.close() }
            return try DeviceCookieSigner.load(directory: folder, secrets: store.secrets, logger: log.logger())
        }

        func writeKeyFile(_ text: String) throws {
            try text.write(toFile: keyPath, atomically: true, encoding: .utf8)
        }
    }

    func testTheKeyIsMadeOnceInTheStoreAndNoFileIsWritten() throws {
        let start = try StartUp()
        let cookie = try start.load().issue(user: "alice")
        XCTAssertEqual(try start.load().verify(cookie)?.user, "alice", "same key after a restart")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: start.folder).filter { $0.contains("device-cookie") }, [],
                       "the key lives in the store only")
    }

    func testAKeyFileOfAnOlderReleaseIsImportedOnceAndItsCookiesStayValid() throws {
        let start = try StartUp()
        let oldKey = [UInt8](repeating: 5, count: 32)
        try start.writeKeyFile(Base64.urlEncode(oldKey) + "\n")
        let before = DeviceCookieSigner(key: oldKey).issue(user: "alice")
        XCTAssertEqual(try start.load().verify(before)?.user, "alice", "a cookie issued before the upgrade")
        XCTAssertFalse(FileManager.default.fileExists(atPath: start.keyPath))
        XCTAssertTrue(FileManager.default.fileExists(atPath: start.keyPath + ".imported"))
        XCTAssertTrue(start.log.messages.contains { $0.contains("imported \(start.keyPath) into the store") }, "\(start.log.messages)")
        XCTAssertEqual(try start.load().verify(before)?.user, "alice", "and after the next restart, with no file")
    }

    func testAKeyFileLosingToTheStoresKeyIsSetAsideWithAWarning() throws {
        let start = try StartUp()
        let stored = try start.load().issue(user: "bob")
        try start.writeKeyFile(Base64.urlEncode([UInt8](repeating: 6, count: 40)))
        let signer = try start.load()
        XCTAssertEqual(signer.verify(stored)?.user, "bob", "the store's key stays")
        XCTAssertNil(signer.verify(DeviceCookieSigner(key: [UInt8](repeating: 6, count: 40)).issue(user: "bob")))
        XCTAssertTrue(FileManager.default.fileExists(atPath: start.keyPath + ".imported"))
        XCTAssertTrue(start.log.messages.contains { $0.contains("was not imported") }, "\(start.log.messages)")
    }

    func testAKeyFileThatIsNotAKeyStopsTheStartNamingItAndStays() throws {
        let start = try StartUp()
        for text in ["short\n", "not base64 at all!!\n", ""] {
            try start.writeKeyFile(text)
            XCTAssertThrowsError(try start.load(), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(start.keyPath + " is not a device-cookie key"), "\(error)")
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: start.keyPath), "a bad file is not renamed")
        }
        try FileManager.default.removeItem(atPath: start.keyPath)
        let victim = start.folder + "/victim"
        try FileManager.default.createSymbolicLink(atPath: start.keyPath, withDestinationPath: victim)
        XCTAssertThrowsError(try start.load()) { error in
            XCTAssertEqual("\(error)", "\(start.keyPath) is not a regular file")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: victim), "a link is not followed")
    }
}
