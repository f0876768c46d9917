import Foundation
import XCTest
@testable import Phone

/// The one file writer: what it writes, and the links it must never follow.
final class AtomicFileTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "atomic-file-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func entries() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
    }

    func testWritesTheBytesWithTheModeAndLeavesNoTemporaryFile() throws {
        let path = folder + "/state.json"
        try AtomicFile.write(Array("one\n".utf8), to: path, mode: 0o640)
        try AtomicFile.write(Array("two\n".utf8), to: path, mode: 0o640)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "two\n")
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o640)
        XCTAssertEqual(try entries(), ["state.json"])
    }

    func testPlantedLinksUnderOldPredictableTemporaryNamesAreNotFollowed() throws {
        let path = folder + "/intercom-state.json"
        let victim = folder + "/victim"
        try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
        // The names the old writers used: `<file>.tmp.<pid>` and `<file>.tmp`.
        for name in ["/intercom-state.json.tmp.\(getpid())", "/intercom-state.json.tmp"] {
            try FileManager.default.createSymbolicLink(atPath: folder + name, withDestinationPath: victim)
        }
        try AtomicFile.write(Array("{}\n".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "{}\n")
    }

    func testALinkAtTheTargetIsReplacedNotWrittenThrough() throws {
        let path = folder + "/intercom-state.json"
        let victim = folder + "/victim"
        try "precious\n".write(toFile: victim, atomically: false, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: victim)
        try AtomicFile.write(Array("{}\n".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: victim, encoding: .utf8), "precious\n")
        XCTAssertNil(try? FileManager.default.destinationOfSymbolicLink(atPath: path), "the link was replaced by a file")
    }

    func testAMissingFolderIsAnErrorNamingTheFile() {
        XCTAssertThrowsError(try AtomicFile.write([1], to: folder + "/missing/state.json")) { error in
            XCTAssertTrue("\(error)".contains("/missing/"), "\(error)")
        }
    }
}
