import Foundation
import XCTest
@testable import Phone

/// Runs a tool from the system and returns its stdout, or nil when the tool is not installed.
func runTool(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String)? {
    guard FileManager.default.isExecutableFile(atPath: path) else { return nil }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

/// A hash made now by Apache's `htpasswd -nb<flag>`; skips the test when htpasswd is missing
/// (CI installs apache2-utils, so there it always runs).
func apacheHash(_ flag: String, user: String = "alice", password: String, extra: [String] = []) throws -> String {
    guard let (status, output) = try runTool("/usr/bin/htpasswd", ["-nb" + flag] + extra + [user, password]) else {
        throw XCTSkip("Apache's htpasswd is not installed (apt-get install apache2-utils)")
    }
    XCTAssertEqual(status, 0, "htpasswd -nb\(flag) failed")
    let line = output.split(separator: "\n").first.map(String.init) ?? ""
    XCTAssertTrue(line.hasPrefix(user + ":"), "htpasswd printed \(output.debugDescription)")
    return String(line.dropFirst(user.count + 1))
}

final class PasswordHashTests: XCTestCase {
    private let password = "correct horse battery staple"

    private func assertVerifies(_ encoded: String, _ scheme: PasswordHash.Scheme, file: StaticString = #filePath,
                                line: UInt = #line) {
        guard let hash = PasswordHash(encoded) else {
            return XCTFail("\(encoded) was not recognised", file: file, line: line)
        }
        XCTAssertEqual(hash.scheme, scheme, file: file, line: line)
        XCTAssertTrue(hash.verify(password), "right password refused for \(encoded)", file: file, line: line)
        XCTAssertFalse(hash.verify(password + "x"), "wrong password accepted for \(encoded)", file: file, line: line)
        XCTAssertFalse(hash.verify(""), "empty password accepted for \(encoded)", file: file, line: line)
        XCTAssertFalse(hash.verify("Correct horse battery staple"), file: file, line: line)
    }

    func testHtpasswdBcryptHashVerifies() throws {
        let encoded = try apacheHash("B", password: password)
        XCTAssertTrue(encoded.hasPrefix("$2y$"))
        assertVerifies(encoded, .bcrypt)
    }

    func testHtpasswdBcryptHashWithCost12Verifies() throws {
        let encoded = try apacheHash("B", password: password, extra: ["-C", "12"])
        XCTAssertTrue(encoded.hasPrefix("$2y$12$"))
        XCTAssertEqual(PasswordHash(encoded)?.cost, 12)
        assertVerifies(encoded, .bcrypt)
    }

    func testHtpasswdApacheMD5HashVerifies() throws {
        let encoded = try apacheHash("m", password: password)
        XCTAssertTrue(encoded.hasPrefix("$apr1$"))
        assertVerifies(encoded, .apacheMD5)
    }

    func testHtpasswdSHA1HashVerifies() throws {
        let encoded = try apacheHash("s", password: password)
        XCTAssertTrue(encoded.hasPrefix("{SHA}"))
        assertVerifies(encoded, .sha1)
    }

    func testHtpasswdSHA256CryptHashVerifies() throws {
        let encoded = try apacheHash("2", password: password)
        XCTAssertTrue(encoded.hasPrefix("$5$"))
        assertVerifies(encoded, .sha256Crypt)
    }

    func testHtpasswdSHA512CryptHashVerifies() throws {
        let encoded = try apacheHash("5", password: password)
        XCTAssertTrue(encoded.hasPrefix("$6$"))
        assertVerifies(encoded, .sha512Crypt)
    }

    func testHtpasswdSHA512CryptHashWithRoundsVerifies() throws {
        let encoded = try apacheHash("5", password: password, extra: ["-r", "7000"])
        XCTAssertTrue(encoded.hasPrefix("$6$rounds=7000$"))
        XCTAssertEqual(PasswordHash(encoded)?.cost, 7000)
        XCTAssertEqual(PasswordHash(encoded)?.family, "sha512Crypt/7000")
        assertVerifies(encoded, .sha512Crypt)
    }

    func testHtpasswdDESCryptHashVerifiesOnlyFirstEightBytes() throws {
        let encoded = try apacheHash("d", password: "secret12")
        XCTAssertEqual(encoded.count, 13)
        let hash = try XCTUnwrap(PasswordHash(encoded))
        XCTAssertEqual(hash.scheme, .desCrypt)
        XCTAssertTrue(hash.verify("secret12"))
        XCTAssertFalse(hash.verify("secret13"))
        // DES crypt reads 8 bytes: that is the scheme's weakness, and Apache's behaviour too.
        XCTAssertTrue(hash.verify("secret12 and more"))
    }

    func testApacheMD5MatchesOpenSSLForKnownSalt() throws {
        for (salt, pass) in [("abcdefgh", password), ("x", "p"), ("12345678", ""), ("saltsalt", String(repeating: "long", count: 30)),
                             ("./AZaz09", "pässwörd ✓")] {
            guard let (status, output) = try runTool("/usr/bin/openssl", ["passwd", "-apr1", "-salt", salt, pass]) else {
                throw XCTSkip("openssl is not installed")
            }
            XCTAssertEqual(status, 0)
            let expected = output.trimmingCharacters(in: .whitespacesAndNewlines)
            XCTAssertEqual(ApacheMD5.hash(password: Array(pass.utf8), salt: Array(salt.utf8)), expected,
                           "salt \(salt) password \(pass.debugDescription)")
            XCTAssertEqual(PasswordHash(expected)?.verify(pass), true)
        }
    }

    func testOurApacheMD5HashIsAcceptedByHtpasswd() throws {
        let encoded = ApacheMD5.hash(password: Array(password.utf8), salt: ApacheMD5.randomSalt())
        try assertHtpasswdAccepts(encoded, password: password)
    }

    func testBcryptHasherMakesY2HashesThatHtpasswdAccepts() throws {
        let encoded = try BcryptHasher.hash(password, cost: 5)
        XCTAssertTrue(encoded.hasPrefix("$2y$05$"), encoded)
        XCTAssertEqual(encoded.count, 60)
        assertVerifies(encoded, .bcrypt)
        try assertHtpasswdAccepts(encoded, password: password)
    }

    func testBcryptHasherMakesB2HashesAndFreshSalts() throws {
        let first = try BcryptHasher.hash(password, cost: 4, prefix: .b2)
        let second = try BcryptHasher.hash(password, cost: 4, prefix: .b2)
        XCTAssertTrue(first.hasPrefix("$2b$04$"))
        XCTAssertNotEqual(first, second, "two hashes of one password must have different salts")
        assertVerifies(first, .bcrypt)
        assertVerifies(second, .bcrypt)
    }

    func testBcryptHasherRefusesBadCostAndLongPasswords() {
        XCTAssertThrowsError(try BcryptHasher.hash("x", cost: 3)) { error in
            XCTAssertEqual(error as? BcryptHasher.HashError, .costOutOfRange(3))
            XCTAssertTrue("\(error)".contains("4...31"))
        }
        XCTAssertThrowsError(try BcryptHasher.hash(String(repeating: "a", count: 73), cost: 4)) { error in
            XCTAssertEqual(error as? BcryptHasher.HashError, .passwordTooLong(bytes: 73))
        }
        XCTAssertThrowsError(try BcryptHasher.hash("a\u{0}b", cost: 4))
    }

    func testPlainTextAndUnknownFormatsAreRefused() {
        XCTAssertNil(PasswordHash("hunter2"))
        XCTAssertNil(PasswordHash("correct horse"))
        XCTAssertNil(PasswordHash(""))
        XCTAssertNil(PasswordHash("$2y$05$short"))
        XCTAssertNil(PasswordHash("$2x$05$4rlw/P8/dESZJt40mZmOv.8TOyQx9FD3ff9cLVPxVhjAW5lAbs3xi"))
        XCTAssertNil(PasswordHash("{SHA}tooShort="))
        XCTAssertNil(PasswordHash("$apr1$salt$short"))
        XCTAssertNil(PasswordHash("$argon2id$v=19$m=65536,t=3,p=4$abc$def"))
        // 13 characters with a character outside crypt's alphabet: not DES.
        XCTAssertNil(PasswordHash("hunter2hunte!"))
    }

    func testPasswordsWithNULOrPastLibcryptLimitNeverVerify() throws {
        let hash = try XCTUnwrap(PasswordHash(try BcryptHasher.hash("abc", cost: 4)))
        XCTAssertFalse(hash.verify("abc\u{0}"))
        XCTAssertFalse(hash.verify(String(repeating: "a", count: 600)))
    }

    func testDummyHashHasTheSameFamilyAsTheModel() throws {
        let model = try XCTUnwrap(PasswordHash(try BcryptHasher.hash("x", cost: 6)))
        let dummy = PasswordHash.dummy(like: model)
        XCTAssertEqual(dummy.family, "bcrypt/6")
        XCTAssertFalse(dummy.verify("x"))
        let sha = try XCTUnwrap(PasswordHash("$6$rounds=6000$saltsalt$" + String(repeating: "a", count: 86)))
        XCTAssertEqual(PasswordHash.dummy(like: sha).family, "sha512Crypt/6000")
        let apr = try XCTUnwrap(PasswordHash(ApacheMD5.hash(password: [1], salt: Array("abcdefgh".utf8))))
        XCTAssertEqual(PasswordHash.dummy(like: apr).scheme, .apacheMD5)
        XCTAssertEqual(PasswordHash.dummy(like: nil).family, "bcrypt/\(BcryptHasher.defaultCost)")
    }

    /// `htpasswd -vb FILE USER PASSWORD` exits 0 when Apache's own code accepts the hash.
    private func assertHtpasswdAccepts(_ encoded: String, password: String) throws {
        let path = NSTemporaryDirectory() + "htpasswd-verify-\(UUID().uuidString)"
        try "alice:\(encoded)\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        guard let right = try runTool("/usr/bin/htpasswd", ["-vb", path, "alice", password]),
              let wrong = try runTool("/usr/bin/htpasswd", ["-vb", path, "alice", password + "x"]) else {
            throw XCTSkip("Apache's htpasswd is not installed (apt-get install apache2-utils)")
        }
        XCTAssertEqual(right.status, 0, "htpasswd -v refused \(encoded)")
        XCTAssertNotEqual(wrong.status, 0)
    }
}
