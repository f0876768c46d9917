import Foundation
import Glibc
import XCTest
@testable import Phone

/// `intercom-state.json`: round trip, atomic replacement, the shared lock, and the server
/// picking up what `shetphone grant` wrote.
final class IntercomStateFileTests: XCTestCase {
    private func sampleState() -> IntercomState {
        IntercomState(
            grant: GrantPeriod(startedAt: 1_800_000_000, until: 1_800_003_600, by: "al\"ice\n"),
            usedCodes: ["2580", "1234"],
            openings: [IntercomOpening(at: 1_800_000_100, how: .code, from: "+442079460999"),
                       IntercomOpening(at: 1_800_000_000, how: .grant, from: "+442079460999")])
    }

    func testStateRoundTripsThroughTheFile() throws {
        let fixture = try IntercomFixture()
        let file = fixture.stateFile
        XCTAssertEqual(try file.read(), IntercomState(), "no file yet is an empty state")
        try file.write(sampleState())
        XCTAssertEqual(try file.read(), sampleState())
        let text = try String(contentsOfFile: file.path, encoding: .utf8)
        XCTAssertTrue(text.hasPrefix("{\"version\":1,\"grant\":{\"startedAt\":1800000000,"), text)
        XCTAssertTrue(text.contains("\"usedCodes\":[\"1234\",\"2580\"]"), text)
    }

    func testTheFileIsReplacedAtomicallyAndPrivately() throws {
        let fixture = try IntercomFixture()
        let file = fixture.stateFile
        try file.write(IntercomState())
        let before = try XCTUnwrap(file.stamp())
        try file.write(sampleState())
        let after = try XCTUnwrap(file.stamp())
        XCTAssertNotEqual(before, after)
        XCTAssertNotEqual(before.inode, after.inode, "a new file was renamed over the old one, not rewritten in place")
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.directory).sorted()
        XCTAssertEqual(names, ["intercom-state.json"], "no temporary file is left behind")
        var info = stat()
        XCTAssertEqual(stat(file.path, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
    }

    func testAFailedWriteThrowsAndLeavesNoTemporaryFile() throws {
        let fixture = try IntercomFixture()
        // A folder where the file should be: the rename fails after the temporary file was written.
        let blocked = IntercomStateFile(path: fixture.directory + "/blocked")
        try FileManager.default.createDirectory(atPath: blocked.path + "/inside", withIntermediateDirectories: true)
        XCTAssertThrowsError(try blocked.write(sampleState())) { error in
            XCTAssertTrue("\(error)".contains("cannot rename"), "\(error)")
            XCTAssertTrue("\(error)".contains(blocked.path), "\(error)")
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: fixture.directory)
        XCTAssertEqual(names, ["blocked"])
    }

    func testAMissingStateFolderStopsTheServerAtStartup() throws {
        let fixture = try IntercomFixture()
        let file = IntercomStateFile(directory: fixture.directory + "/missing")
        XCTAssertThrowsError(try Intercom(settings: fixture.settings, stateFile: file, publisher: fixture.events,
                                          logger: fixture.log.logger())) { error in
            XCTAssertTrue("\(error)".contains("missing/intercom-state.json.lock"), "\(error)")
        }
    }

    func testACorruptStateFileStopsTheServerWithItsName() throws {
        let fixture = try IntercomFixture()
        try "{\"grant\":{\"until\":\"soon\"}}".write(toFile: fixture.stateFile.path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try fixture.intercom()) { error in
            XCTAssertTrue("\(error)".contains("intercom-state.json: \"grant\" needs startedAt"), "\(error)")
        }
        try "{\"grant\":".write(toFile: fixture.stateFile.path, atomically: false, encoding: .utf8)
        XCTAssertThrowsError(try fixture.intercom()) { error in
            XCTAssertTrue("\(error)".contains("invalid JSON"), "\(error)")
        }
    }

    func testOnlyTheLastFiftyOpeningsAreKept() throws {
        var state = IntercomState()
        for at in 1...60 { state.record(IntercomOpening(at: at, how: .grant, from: "+1")) }
        XCTAssertEqual(state.openings.count, 50)
        XCTAssertEqual(state.openings.first?.at, 60)
        XCTAssertEqual(state.openings.last?.at, 11)
        XCTAssertEqual(IntercomOpening(at: 1, how: .code, from: String(repeating: "9", count: 500)).from.count, 64)
    }

    func testAnUpdateWithAStaleCopyReadsTheFileFirst() throws {
        let fixture = try IntercomFixture()
        let file = fixture.stateFile
        let (cached, stamp) = try file.update { $0.usedCodes = ["1111"] }
        // Someone else (the CLI) changes the file.
        try file.update { $0.grant = GrantPeriod(startedAt: 1, until: 2, by: "cli") }
        let (merged, _) = try file.update(cached: (cached, stamp)) { $0.usedCodes.insert("2222") }
        XCTAssertEqual(merged.grant?.by, "cli")
        XCTAssertEqual(merged.usedCodes, ["1111", "2222"])
    }

    func testTheLockIsExclusiveBetweenProcesses() throws {
        let fixture = try IntercomFixture()
        let file = fixture.stateFile
        try file.prepare()
        try file.withLock {
            // flock locks belong to the open file description: a second open, as another
            // process would make, cannot take it.
            let fd = open(file.lockPath, O_RDWR)
            defer { close(fd) }
            XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), -1)
            XCTAssertEqual(errno, EWOULDBLOCK)
        }
        let fd = open(file.lockPath, O_RDWR)
        defer { close(fd) }
        XCTAssertEqual(flock(fd, LOCK_EX | LOCK_NB), 0)
    }

    func testTheServerPicksUpWhatTheCLIWrote() throws {
        let fixture = try IntercomFixture()
        let intercom = try fixture.intercom()
        let until = IntercomFixture.start + 600
        // What `shetphone grant --minutes 10` does.
        try IntercomStateFile(directory: fixture.directory).update {
            $0.grant = GrantPeriod(startedAt: IntercomFixture.start, until: until, by: "cli")
        }
        intercom.tick()
        XCTAssertEqual(fixture.published("intercom.grant"), [["action": "started", "until": .int(until), "by": "cli"]])
        XCTAssertEqual(intercom.answer(IntercomCall(from: IntercomFixture.intercomNumber)).outcome, .opened(.grant))
        // `shetphone grant --end`.
        try IntercomStateFile(directory: fixture.directory).update { $0.grant = nil }
        XCTAssertEqual(intercom.answer(IntercomCall(from: IntercomFixture.intercomNumber)).outcome,
                       .forwarded(number: try PhoneNumber(e164: IntercomFixture.residentNumber), clients: []),
                       "a webhook request checks the file itself, without waiting for the tick")
        XCTAssertEqual(fixture.published("intercom.grant").last, ["action": "ended", "until": .int(IntercomFixture.start), "by": "cli"])
        // The opening recorded by the server in between survived both CLI writes.
        XCTAssertEqual(try fixture.stateFile.read().openings.map(\.how), [.grant])
    }

    func testABrokenFileAtRuntimeKeepsTheStateInMemory() throws {
        let fixture = try IntercomFixture()
        let intercom = try fixture.intercom()
        try intercom.changeGrant(minutes: 10, by: "alice")
        try "not json".write(toFile: fixture.directory + "/broken", atomically: false, encoding: .utf8)
        XCTAssertEqual(rename(fixture.directory + "/broken", fixture.stateFile.path), 0)
        intercom.tick()
        XCTAssertEqual(intercom.activeGrant()?.by, "alice")
        XCTAssertTrue(fixture.log.messages.contains { $0.contains("keeping the state held in memory") })
    }
}
