import Foundation
import Glibc
import Logging
import XCTest
@testable import Phone

/// Keeps what was logged, so tests can check that a bad line is reported with its number.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var lines: [(Logger.Level, String)] = []

    var messages: [String] { lock.withLock { lines.map(\.1) } }

    func append(_ level: Logger.Level, _ message: String) { lock.withLock { lines.append((level, message)) } }

    func logger() -> Logger {
        Logger(label: "test") { _ in CapturedLogHandler(log: self) }
    }
}

struct CapturedLogHandler: LogHandler {
    let log: CapturedLog
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        log.append(event.level, event.message.description)
    }
}

/// A clock the test moves by hand.
final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var millis: UInt64 = 1_000_000
    var now: UInt64 { lock.withLock { millis } }
    func advance(seconds: Double) { lock.withLock { millis += UInt64(seconds * 1000) } }
    var function: @Sendable () -> UInt64 { { [self] in now } }
}

final class HtpasswdFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "htpasswd-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func write(_ text: String, to name: String = ".htpasswd") throws -> String {
        let path = directory + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    private func mode(of path: String) -> mode_t {
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        return info.st_mode & 0o7777
    }

    // MARK: Parsing

    func testCommentsBlankLinesCRLFAndTrailingSpacesAreIgnored() throws {
        let alice = try BcryptHasher.hash("a-pass", cost: 4)
        let bob = ApacheMD5.hash(password: Array("b-pass".utf8), salt: Array("saltsalt".utf8))
        let text = "# users\r\n\r\nalice:\(alice)  \r\n   \n\t# indented comment\nbob:\(bob)\t\n"
        let contents = HtpasswdContents(text: text)
        XCTAssertEqual(contents.problems, [])
        XCTAssertEqual(contents.hashes.count, 2)
        XCTAssertEqual(contents.hashes["alice"]?.verify("a-pass"), true)
        XCTAssertEqual(contents.hashes["bob"]?.verify("b-pass"), true)
    }

    func testMalformedLinesAreSkippedWithTheirLineNumbers() throws {
        let good = try BcryptHasher.hash("pw", cost: 4)
        let text = """
            # header
            alice:\(good)
            no colon here
            :\(good)
            carol:
            dave:plaintextpassword
            bad user:\(good)
            erin:\(good)
            alice:\(good)
            """
        let contents = HtpasswdContents(text: text)
        XCTAssertEqual(Set(contents.hashes.keys), ["alice", "erin"])
        XCTAssertEqual(contents.problems.map(\.line), [3, 4, 5, 6, 7, 9])
        XCTAssertTrue(contents.problems[0].message.contains("no ':'"))
        XCTAssertTrue(contents.problems[1].message.contains("is empty"))
        XCTAssertTrue(contents.problems[2].message.contains("no password hash"))
        XCTAssertTrue(contents.problems[3].message.contains("plain-text"), contents.problems[3].message)
        XCTAssertTrue(contents.problems[4].message.contains("whitespace"))
        XCTAssertTrue(contents.problems[5].message.contains("already on line 2"))
    }

    func testTextAfterASecondColonIsIgnoredAsApacheDoes() throws {
        let hash = try BcryptHasher.hash("pw", cost: 4)
        let contents = HtpasswdContents(text: "alice:\(hash):Alice Liddell\n")
        XCTAssertEqual(contents.hashes["alice"]?.verify("pw"), true)
    }

    func testDummyAndPaddingHashAreTheSlowestFamilyInTheFile() throws {
        let four = try BcryptHasher.hash("pw", cost: 4)
        let six = try BcryptHasher.hash("pw", cost: 6)
        let apr1 = "$apr1$abcdefgh$" + String(repeating: "a", count: 22)
        let sha512 = "$6$saltsalt$" + String(repeating: "b", count: 86)
        let many = "$6$rounds=200000$saltsalt$" + String(repeating: "c", count: 86)
        // Most users are apr1: the slowest family still wins, whatever the count.
        var contents = HtpasswdContents(text: "a:\(apr1)\nb:\(apr1)\nc:\(apr1)\nd:\(four)\ne:\(six)\nf:{SHA}\(String(repeating: "A", count: 27))=\n")
        XCTAssertEqual(contents.slowestHash?.family, "bcrypt/6")
        contents = HtpasswdContents(text: "a:\(apr1)\nb:\(sha512)\nc:{SHA}\(String(repeating: "A", count: 27))=\n")
        XCTAssertEqual(contents.slowestHash?.family, "sha512Crypt")
        contents = HtpasswdContents(text: "a:\(six)\nb:\(many)\n")
        XCTAssertEqual(contents.slowestHash?.family, "sha512Crypt/200000", "200,000 SHA-512 rounds outweigh bcrypt cost 6")
        XCTAssertNil(HtpasswdContents(text: "").slowestHash)

        let folder = NSTemporaryDirectory() + "slowest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try "a:\(apr1)\nb:\(four)\nc:\(apr1)\n".write(toFile: folder + "/.htpasswd", atomically: true, encoding: .utf8)
        let file = HtpasswdFile(path: folder + "/.htpasswd", logger: CapturedLog().logger())
        XCTAssertEqual(file.dummyHash().family, "bcrypt/4", "the dummy for unknown users and the padding for apr1 users")
    }

    func testMalformedLineIsLoggedWithFileAndLineNumberAndOthersStillWork() throws {
        let hash = try BcryptHasher.hash("pw", cost: 4)
        let path = try write("alice:\(hash)\nbroken line\nbob:hunter2\n")
        let log = CapturedLog()
        let file = HtpasswdFile(path: path, logger: log.logger())
        XCTAssertEqual(file.hash(for: "alice")?.verify("pw"), true)
        XCTAssertNil(file.hash(for: "bob"))
        XCTAssertEqual(file.problems.map(\.line), [2, 3])
        XCTAssertTrue(log.messages.contains { $0.hasPrefix("\(path):2: ") && $0.contains("no ':'") }, "\(log.messages)")
        XCTAssertTrue(log.messages.contains { $0.hasPrefix("\(path):3: ") && $0.contains("plain-text") }, "\(log.messages)")
    }

    func testWeakHashesAreNamedInALogNotice() throws {
        let sha = "{SHA}" + Base64.encode(MessageDigest.sha1(Array("pw".utf8)))
        let path = try write("old:\(sha)\nnew:\(try BcryptHasher.hash("pw", cost: 4))\n")
        let log = CapturedLog()
        let file = HtpasswdFile(path: path, logger: log.logger())
        XCTAssertEqual(file.hash(for: "old")?.verify("pw"), true, "weak, but still accepted as Apache does")
        XCTAssertTrue(log.messages.contains { $0.contains("weak DES or {SHA} hashes for old;") }, "\(log.messages)")
    }

    // MARK: Reloading

    func testFileIsReReadAfterAChangeButAtMostOncePerInterval() throws {
        let clock = ManualClock()
        let path = try write("alice:\(try BcryptHasher.hash("one", cost: 4))\n")
        let file = HtpasswdFile(path: path, logger: CapturedLog().logger(), clock: clock.function)
        XCTAssertNotNil(file.hash(for: "alice"))
        XCTAssertNil(file.hash(for: "bob"))

        _ = try write("alice:\(try BcryptHasher.hash("one", cost: 4))\nbob:\(try BcryptHasher.hash("two", cost: 4))\n")
        clock.advance(seconds: 0.5)
        XCTAssertNil(file.hash(for: "bob"), "checked again within the interval")
        clock.advance(seconds: 0.6)
        XCTAssertEqual(file.hash(for: "bob")?.verify("two"), true)
        XCTAssertTrue(file.contains("bob"))
    }

    func testFileAddedToByApacheHtpasswdIsPickedUpWithoutRestart() throws {
        let path = try write("alice:\(try BcryptHasher.hash("one", cost: 4))\n")
        let file = HtpasswdFile(path: path, logger: CapturedLog().logger(), recheckIntervalMillis: 0)
        guard let result = try runTool("/usr/bin/htpasswd", ["-bB", "-C", "4", path, "bob", "bob-pass"]) else {
            throw XCTSkip("Apache's htpasswd is not installed (apt-get install apache2-utils)")
        }
        XCTAssertEqual(result.status, 0)
        XCTAssertEqual(file.hash(for: "bob")?.verify("bob-pass"), true)
        XCTAssertEqual(file.hash(for: "alice")?.verify("one"), true)
    }

    func testSameSizeRewriteIsNoticed() throws {
        let one = try BcryptHasher.hash("one", cost: 4)
        let two = try BcryptHasher.hash("two", cost: 4)
        XCTAssertEqual(one.count, two.count)
        let path = try write("alice:\(one)\n")
        let file = HtpasswdFile(path: path, logger: CapturedLog().logger(), recheckIntervalMillis: 0)
        XCTAssertEqual(file.hash(for: "alice")?.verify("one"), true)
        // In place, same size: only the modification time (nanoseconds) tells.
        let handle = try XCTUnwrap(FileHandle(forWritingAtPath: path))
        try handle.write(contentsOf: Data("alice:\(two)\n".utf8))
        try handle.close()
        XCTAssertEqual(file.hash(for: "alice")?.verify("two"), true)
    }

    func testMissingFileMeansNoUsersAndIsPickedUpOnceCreated() throws {
        let path = directory + "/not-yet"
        let log = CapturedLog()
        let file = HtpasswdFile(path: path, logger: log.logger(), recheckIntervalMillis: 0)
        XCTAssertEqual(file.userCount, 0)
        XCTAssertNotNil(file.readError)
        XCTAssertNil(file.hash(for: "alice"))
        XCTAssertEqual(log.messages.filter { $0.contains("cannot read") }.count, 1, "logged once, not per lookup")
        _ = try write("alice:\(try BcryptHasher.hash("pw", cost: 4))\n", to: "not-yet")
        XCTAssertEqual(file.hash(for: "alice")?.verify("pw"), true)
        XCTAssertNil(file.readError)
    }

    func testConcurrentLookupsDuringRewritesAreSafe() throws {
        let hash = try BcryptHasher.hash("pw", cost: 4)
        let path = try write("alice:\(hash)\n")
        let file = HtpasswdFile(path: path, logger: CapturedLog().logger(), recheckIntervalMillis: 0)
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            for round in 0..<50 {
                if worker == 0 {
                    try? HtpasswdFile.setPassword(path: path, user: "user\(round)", hash: hash)
                } else {
                    XCTAssertNotNil(file.hash(for: "alice"))
                }
            }
        }
        XCTAssertNotNil(file.hash(for: "user49"))
    }

    // MARK: Writing (shetphone passwd)

    func testSetPasswordCreatesA0640FileThatApacheReads() throws {
        let path = directory + "/new.htpasswd"
        let hash = try BcryptHasher.hash("s3cret", cost: 4)
        XCTAssertEqual(try HtpasswdFile.setPassword(path: path, user: "alice", hash: hash), .added)
        XCTAssertEqual(mode(of: path), 0o640)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "alice:\(hash)\n")
        if let result = try runTool("/usr/bin/htpasswd", ["-vb", path, "alice", "s3cret"]) {
            XCTAssertEqual(result.status, 0)
        }
    }

    func testSetPasswordChangesOnlyThatUserAndKeepsModeCommentsAndCRLF() throws {
        let old = try BcryptHasher.hash("old", cost: 4)
        let bob = try BcryptHasher.hash("bob", cost: 4)
        let path = try write("# team\r\nalice:\(old)\r\nbob:\(bob)\r\n")
        XCTAssertEqual(chmod(path, 0o600), 0)
        let new = try BcryptHasher.hash("new", cost: 4)
        XCTAssertEqual(try HtpasswdFile.setPassword(path: path, user: "alice", hash: new), .changed)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "# team\r\nalice:\(new)\r\nbob:\(bob)\r\n")
        XCTAssertEqual(mode(of: path), 0o600)

        XCTAssertEqual(try HtpasswdFile.setPassword(path: path, user: "carol", hash: new), .added)
        XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).hasSuffix("bob:\(bob)\r\ncarol:\(new)\r\n"))
        XCTAssertEqual(mode(of: path), 0o600)
    }

    func testSetPasswordAppendsAfterAFileWithoutFinalNewline() throws {
        let hash = try BcryptHasher.hash("pw", cost: 4)
        let path = try write("alice:\(hash)")
        try HtpasswdFile.setPassword(path: path, user: "bob", hash: hash)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "alice:\(hash)\nbob:\(hash)\n")
    }

    func testSetPasswordReplacesTheFileAtomicallyAndLeavesNoTempFiles() throws {
        let hash = try BcryptHasher.hash("pw", cost: 4)
        let path = try write("alice:\(hash)\n")
        var before = stat()
        XCTAssertEqual(stat(path, &before), 0)
        try HtpasswdFile.setPassword(path: path, user: "bob", hash: hash)
        var after = stat()
        XCTAssertEqual(stat(path, &after), 0)
        XCTAssertNotEqual(before.st_ino, after.st_ino, "written in place instead of renamed over")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory), [".htpasswd"])
    }

    func testSetPasswordWritesThroughASymlink() throws {
        let hash = try BcryptHasher.hash("pw", cost: 4)
        let real = try write("alice:\(hash)\n", to: "real")
        let link = directory + "/link"
        XCTAssertEqual(symlink(real, link), 0)
        try HtpasswdFile.setPassword(path: link, user: "bob", hash: hash)
        var info = stat()
        XCTAssertEqual(lstat(link, &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFLNK, "the link was replaced by a file")
        XCTAssertTrue(try String(contentsOfFile: real, encoding: .utf8).contains("bob:"))
    }

    func testSetPasswordRefusesBadUserNamesAndHashes() throws {
        let path = directory + "/x"
        let hash = try BcryptHasher.hash("pw", cost: 4)
        for user in ["", "a:b", "a b", "tab\tuser", "new\nline", "bell\u{7}", String(repeating: "u", count: 256)] {
            XCTAssertThrowsError(try HtpasswdFile.setPassword(path: path, user: user, hash: hash), user.debugDescription) { error in
                guard case HtpasswdError.badUser = error else { return XCTFail("\(error)") }
            }
        }
        XCTAssertThrowsError(try HtpasswdFile.setPassword(path: path, user: "alice", hash: "plaintext")) { error in
            XCTAssertTrue("\(error)".contains("alice"), "\(error)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testSetPasswordInAMissingDirectoryNamesThePath() throws {
        let path = directory + "/no/such/dir/.htpasswd"
        XCTAssertThrowsError(try HtpasswdFile.setPassword(path: path, user: "a", hash: try BcryptHasher.hash("p", cost: 4))) {
            XCTAssertTrue("\($0)".contains("/no/such/dir/"), "\($0)")
        }
    }
}
