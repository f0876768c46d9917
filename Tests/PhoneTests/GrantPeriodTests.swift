import Foundation
import XCTest
@testable import Phone

/// Grant periods: their arithmetic, and ending on time without a request (the timer's tick).
final class GrantPeriodTests: XCTestCase {
    let now = 1_800_000_000

    func testAGrantIsActiveUntilItsEnd() {
        let grant = GrantPeriod.starting(at: now, minutes: 30, by: "alice")
        XCTAssertEqual(grant, GrantPeriod(startedAt: now, until: now + 1800, by: "alice"))
        XCTAssertTrue(grant.isActive(at: now + 1799))
        XCTAssertFalse(grant.isActive(at: now + 1800))
    }

    func testMinutesLeftRoundUp() {
        let grant = GrantPeriod(startedAt: now, until: now + 1800, by: "alice")
        XCTAssertEqual(grant.minutesLeft(at: now), 30)
        XCTAssertEqual(grant.minutesLeft(at: now + 1), 30)
        XCTAssertEqual(grant.minutesLeft(at: now + 1790), 1)
        XCTAssertEqual(grant.minutesLeft(at: now + 1800), 0)
        XCTAssertEqual(grant.minutesLeft(at: now + 9000), 0)
    }

    func testExtendingAddsToTheEndButNeverPastTheMaximum() {
        let grant = GrantPeriod(startedAt: now, until: now + 1800, by: "alice")
        XCTAssertEqual(grant.extended(byMinutes: 30, at: now + 60, maxMinutes: 720).until, now + 3600)
        XCTAssertEqual(grant.extended(byMinutes: 720, at: now + 60, maxMinutes: 720).until, now + 60 + 720 * 60)
        // Already over: the minutes count from now.
        XCTAssertEqual(grant.extended(byMinutes: 10, at: now + 4000, maxMinutes: 720).until, now + 4600)
        XCTAssertEqual(grant.extended(byMinutes: 10, at: now, maxMinutes: 720).by, "alice")
    }

    func testTimesAreShownInUTC() {
        XCTAssertEqual(GrantPeriod.utcText(now), "2027-01-15 08:00 UTC")
        XCTAssertEqual(ZoneInfo.utc.isoText(now), "2027-01-15T08:00:00+00:00")
    }

    func testTheJSONOfTheDialer() {
        XCTAssertEqual(GrantPeriod(startedAt: 1, until: 2, by: "bob").json.text, "{\"active\":true,\"until\":2,\"by\":\"bob\",\"startedAt\":1}")
        XCTAssertEqual(GrantPeriod.inactiveJSON.text, "{\"active\":false}")
    }

    func testTheTickEndsAGrantOnTimeOnceAndSaysSo() throws {
        let fixture = try IntercomFixture()
        let intercom = try fixture.intercom()
        try intercom.changeGrant(minutes: 2, by: "alice")
        fixture.clock.advance(119)
        intercom.tick()
        XCTAssertEqual(fixture.published("intercom.grant").count, 1)
        fixture.clock.advance(1)
        intercom.tick()
        intercom.tick()
        XCTAssertEqual(fixture.published("intercom.grant"), [
            ["action": "started", "until": .int(IntercomFixture.start + 120), "by": "alice"],
            ["action": "ended", "until": .int(IntercomFixture.start + 120), "by": "alice"],
        ])
        XCTAssertNil(try fixture.stateFile.read().grant, "the end is written to the state file")
        XCTAssertEqual(try JSONParser.parse(intercom.status().text)["grant"], ["active": false])
    }

    func testAGrantSurvivesARestart() throws {
        let fixture = try IntercomFixture()
        try fixture.intercom().changeGrant(minutes: 45, by: "alice")
        let restarted = try fixture.intercom()
        XCTAssertEqual(restarted.activeGrant(), GrantPeriod(startedAt: IntercomFixture.start, until: IntercomFixture.start + 2700, by: "alice"))
        XCTAssertEqual(restarted.answer(IntercomCall(from: IntercomFixture.intercomNumber)).outcome, .opened(.grant))
    }

    func testAGrantThatEndedWhileTheServerWasDownIsGoneSilently() throws {
        let fixture = try IntercomFixture()
        try fixture.intercom().changeGrant(minutes: 5, by: "alice")
        fixture.clock.advance(301)
        let restarted = try fixture.intercom()
        restarted.tick()
        XCTAssertNil(restarted.activeGrant())
        XCTAssertEqual(fixture.published("intercom.grant").map { $0["action"] }, ["started"])
    }

    func testTheRealTimerEndsAGrantWithoutARequest() throws {
        let fixture = try IntercomFixture()
        let intercom = try fixture.intercom()
        try intercom.changeGrant(minutes: 1, by: "alice")
        fixture.clock.advance(60)
        intercom.startTimer()
        defer { intercom.stopTimer() }
        let deadline = Date().addingTimeInterval(5)
        while fixture.published("intercom.grant").count < 2 && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertEqual(fixture.published("intercom.grant").last?["action"], "ended")
    }
}
