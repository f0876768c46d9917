import Foundation
import XCTest
@testable import Phone
import Store

/// The one-time import of `intercom-state.json` (what the release before the store wrote).
final class IntercomStateImportTests: XCTestCase {
    /// Tests/Fixtures/intercom/intercom-state.json: the file as the previous release wrote it.
    static var fixtureText: String {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        return (try? String(contentsOf: folder.appendingPathComponent("Fixtures/intercom/intercom-state.json"), encoding: .utf8)) ?? ""
    }

    private func write(_ text: String, in fixture: IntercomFixture) -> IntercomStateImport {
        let file = IntercomStateImport(directory: fixture.directory)
        FileManager.default.createFile(atPath: file.path, contents: Data(text.utf8))
        return file
    }

    func testTheReleasesFileIsImportedOnceAndRenamed() throws {
        let fixture = try IntercomFixture()
        let file = write(IntercomStateImportTests.fixtureText, in: fixture)
        XCTAssertTrue(try file.importOnce(into: fixture.store.intercom, logger: fixture.log.logger()))
        let state = try fixture.stored()
        XCTAssertEqual(state.grant, GrantPeriod(startedAt: 1_800_000_000, until: 4_102_444_800, by: "alice"))
        XCTAssertEqual(state.usedCodes, ["2580", "7777"])
        XCTAssertEqual(state.openings, [IntercomOpening(at: 1_800_000_300, how: .code, from: "+442079460999"),
                                        IntercomOpening(at: 1_800_000_100, how: .grant, from: "+442079460999")])
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: file.importedPath))
        XCTAssertFalse(try file.importOnce(into: fixture.store.intercom, logger: fixture.log.logger()), "nothing left to import")
        XCTAssertTrue(fixture.log.messages.contains { $0.contains("imported") && $0.contains(file.path) })
    }

    func testNoFileIsNothingToDo() throws {
        let fixture = try IntercomFixture()
        XCTAssertFalse(try IntercomStateImport(directory: fixture.directory).importOnce(into: fixture.store.intercom, logger: fixture.log.logger()))
        XCTAssertEqual(try fixture.stored(), IntercomState())
    }

    func testABadFileIsNamedWithWhatIsWrongAndStaysWhereItIs() throws {
        let cases = [
            ("{\"version\":1,\"grant\":{\"until\":5}}", "\"grant\" needs startedAt, until (unix seconds) and by"),
            ("{\"version\":2}", "version 2 is not 1"),
            ("[1,2]", "the top level is not a JSON object"),
            ("{\"usedCodes\":\"2580\"}", "\"usedCodes\" is not a list"),
            ("{\"openings\":[{\"at\":1,\"how\":\"magic\",\"from\":\"+1\"}]}", "an entry of \"openings\" needs at, how (grant or code) and from"),
            ("{\"grant\":", "invalid JSON at byte 9"),
        ]
        for (text, rule) in cases {
            let fixture = try IntercomFixture()
            let file = write(text, in: fixture)
            XCTAssertThrowsError(try file.importOnce(into: fixture.store.intercom, logger: fixture.log.logger()), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix(file.path + ": "), message)
                XCTAssertTrue(message.contains(rule), "\(message) should say \(rule)")
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), "a bad file is not renamed")
            XCTAssertFalse(FileManager.default.fileExists(atPath: file.importedPath))
            XCTAssertEqual(try fixture.stored(), IntercomState(), "nothing is imported from a bad file")
        }
    }

    func testAFolderInThePlaceOfTheFileIsRefused() throws {
        let fixture = try IntercomFixture()
        let file = IntercomStateImport(directory: fixture.directory)
        try FileManager.default.createDirectory(atPath: file.path, withIntermediateDirectories: false)
        XCTAssertThrowsError(try file.importOnce(into: fixture.store.intercom, logger: fixture.log.logger())) { error in
            XCTAssertEqual("\(error)", "\(file.path) is not a regular file")
        }
    }
}
