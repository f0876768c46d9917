import Foundation
import XCTest
@testable import Phone

/// The signed device cookie: only ours verifies, and the key outlives a restart.
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

    func testTheKeyIsCreatedOnceAndKeptPrivate() throws {
        let folder = NSTemporaryDirectory() + "device-key-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let cookie = try DeviceCookieSigner.load(directory: folder).issue(user: "alice")
        XCTAssertEqual(try DeviceCookieSigner.load(directory: folder).verify(cookie)?.user, "alice", "same key after a restart")
        let path = folder + "/" + DeviceCookieSigner.keyFileName
        XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int, 0o600)
        try "short\n".write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try DeviceCookieSigner.load(directory: folder)) { error in
            XCTAssertTrue("\(error)".contains(DeviceCookieSigner.keyFileName), "\(error)")
        }
    }
}
