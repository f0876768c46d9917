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

    func testTheSweepEndsAGrantOnTimeOnceAndSaysSo() throws {
        let fixture = try IntercomFixture()
        let intercom = try fixture.intercom()
        try intercom.changeGrant(minutes: 2, by: "alice")
        fixture.clock.advance(119)
        intercom.sweepAndSettle()
        XCTAssertEqual(fixture.published("intercom.grant").count, 1)
        fixture.clock.advance(1)
        intercom.sweepAndSettle()
        intercom.sweepAndSettle()
        XCTAssertEqual(fixture.published("intercom.grant"), [
            ["action": "started", "until": .int(IntercomFixture.start + 120), "by": "alice"],
            ["action": "ended", "until": .int(IntercomFixture.start + 120), "by": "alice"],
        ])
        XCTAssertNil(try fixture.stored().grant, "the end is written to the store")
        XCTAssertEqual(try JSONParser.parse(intercom.status().text)["grant"], ["active": false])
    }

    func testAGrantSurvivesARestart() throws {
        let fixture = try IntercomFixture()
        try fixture.intercom().changeGrant(minutes: 45, by: "alice")
        let restarted = try fixture.intercom()
        XCTAssertEqual(restarted.activeGrant(), GrantPeriod(startedAt: IntercomFixture.start, until: IntercomFixture.start + 2700, by: "alice"))
        XCTAssertEqual(try restarted.answer(IntercomCall(from: IntercomFixture.intercomNumber)).outcome, .opened(.grant))
    }

    func testOnlyTheLeadingInstanceEndsAGrantAndSaysSoOnce() throws {
        let fixture = try IntercomFixture()
        let leads = SwitchedLeadership(false)
        let follows = SwitchedLeadership(false)
        let first = try fixture.intercom(leadership: leads)
        let second = try fixture.intercom(leadership: follows)
        try first.changeGrant(minutes: 1, by: "alice")
        second.sweepAndSettle()
        XCTAssertNotNil(second.activeGrant(), "the other instance read the grant from the store")
        fixture.clock.advance(60)
        first.sweepAndSettle()
        second.sweepAndSettle()
        XCTAssertEqual(fixture.published("intercom.grant").map { $0["action"] }, ["started"], "nobody leads: nobody ends it")
        XCTAssertNil(second.activeGrant(), "yet no instance opens for it")
        leads.isLeader = true
        follows.isLeader = true  // two leaders for a moment (a lock handed over): still one "ended"
        first.sweepAndSettle()
        second.sweepAndSettle()
        first.sweepAndSettle()
        XCTAssertEqual(fixture.published("intercom.grant").map { $0["action"] }, ["started", "ended"])
        XCTAssertNil(try fixture.stored().grant)
    }

    func testAGrantTheCommandLineWroteIsAnnouncedOnceByTheLeader() throws {
        let fixture = try IntercomFixture()
        let leader = try fixture.intercom(leadership: SwitchedLeadership(true))
        let other = try fixture.intercom(leadership: SwitchedLeadership(false))
        let written = GrantPeriod(startedAt: IntercomFixture.start, until: IntercomFixture.start + 600, by: "cli")
        let box = WaitBox<Bool>()
        fixture.store.intercom.setGrant(written.stored(announced: false)) { _ in box.put(true) }
        _ = box.take()
        other.sweepAndSettle()
        XCTAssertTrue(fixture.published("intercom.grant").isEmpty, "only the leader announces")
        XCTAssertNil(other.activeGrant(), "an unannounced grant waits for the leader's announcement")
        leader.sweepAndSettle()
        XCTAssertEqual(leader.activeGrant(), written)
        fixture.clock.advance(1)
        leader.sweepAndSettle()
        other.sweepAndSettle()
        XCTAssertEqual(fixture.published("intercom.grant"), [["action": "started", "until": .int(IntercomFixture.start + 600), "by": "cli"]])
        XCTAssertEqual(other.activeGrant(), written, "announced: every instance opens for it")

        // `shetphone grant --end` writes an unannounced grant that is over: the leader says "ended".
        let ended = GrantPeriod(startedAt: IntercomFixture.start, until: IntercomFixture.start + 1, by: "cli")
        let again = WaitBox<Bool>()
        fixture.store.intercom.setGrant(ended.stored(announced: false)) { _ in again.put(true) }
        _ = again.take()
        fixture.clock.advance(1)
        leader.sweepAndSettle()
        leader.sweepAndSettle()
        XCTAssertEqual(fixture.published("intercom.grant").last, ["action": "ended", "until": .int(IntercomFixture.start + 1), "by": "cli"])
        XCTAssertEqual(fixture.published("intercom.grant").count, 2)
        XCTAssertNil(leader.activeGrant())
    }
}
