import Foundation
import XCTest
@testable import Phone
@testable import Web

/// The intercom webhook end to end on a real store: the decision, its TwiML read back by an
/// XML parser, and what it writes and publishes.
final class IntercomWebhookTests: XCTestCase {
    private func call(from: String = IntercomFixture.intercomNumber, step: IntercomCall.Step = .arrival,
                      digits: String? = nil, expectedFrom: String? = nil, dial: String? = nil) -> IntercomCall {
        IntercomCall(step: step, from: from, digits: digits, expectedFrom: expectedFrom, phoneNumberToDial: dial,
                     requestPath: "/base/intercom")
    }

    private func verbs(_ answer: IntercomAnswer) throws -> [TwiMLTree] {
        try XCTUnwrap(TwiMLTree.parse(answer.twiml.xml), "not well-formed: \(answer.twiml.xml)").children
    }

    // MARK: Who calls

    func testCallFromAnotherNumberIsRejectedAndNeverForwarded() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\nring_clients = alice")
        let answer = try fixture.intercom().answer(call(from: "+15005550006"))
        let verbs = try verbs(answer)
        XCTAssertEqual(verbs.map(\.name), ["Reject"])
        XCTAssertFalse(answer.twiml.xml.contains(IntercomFixture.residentNumber))
        guard case .rejected = answer.outcome else { return XCTFail("\(answer.outcome)") }
        XCTAssertTrue(fixture.events.events.isEmpty)
        XCTAssertTrue(fixture.log.messages.contains { $0.contains("\"+15005550006\"") && $0.contains("rejected") })
    }

    func testWithoutAnyExpectedFromEveryCallIsRejected() throws {
        let fixture = try IntercomFixture("dial = +447700900123")
        let answer = try fixture.intercom().answer(call())
        XCTAssertEqual(try verbs(answer).map(\.name), ["Reject"])
        XCTAssertTrue(answer.outcome.description.contains("no ExpectedFrom"), answer.outcome.description)
    }

    func testExpectedFromOfTheURLWinsOverTheConfig() throws {
        let fixture = try IntercomFixture()
        let intercom = try fixture.intercom()
        XCTAssertEqual(try verbs(try intercom.answer(call(from: "+15005550006", expectedFrom: "+15005550006"))).map(\.name), ["Dial"])
        XCTAssertEqual(try verbs(try intercom.answer(call(expectedFrom: "+15005550006"))).map(\.name), ["Reject"])
    }

    func testUnencodedPlusInTheURLStillMatches() throws {
        // `ExpectedFrom=+44...` written without %2B arrives as " 44...".
        let fixture = try IntercomFixture("")
        let answer = try fixture.intercom().answer(call(expectedFrom: " 442079460999", dial: " 447700900123"))
        let dial = try XCTUnwrap(try verbs(answer).first)
        XCTAssertEqual(dial.name, "Dial")
        XCTAssertEqual(dial.child("Number")?.text, IntercomFixture.residentNumber)
    }

    func testGarbageExpectedFromInTheURLIsRejected() throws {
        let fixture = try IntercomFixture()
        let answer = try fixture.intercom().answer(call(expectedFrom: "intercom"))
        XCTAssertEqual(try verbs(answer).map(\.name), ["Reject"])
    }

    // MARK: Grant periods

    func testDuringAGrantTheDoorOpensWithThePlayedDigits() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\nopen_digits = ww9#")
        let intercom = try fixture.intercom()
        try intercom.changeGrant(minutes: 30, by: "alice")
        let answer = try intercom.answer(call())
        let verbs = try verbs(answer)
        XCTAssertEqual(verbs.map(\.name), ["Play", "Pause"])
        XCTAssertEqual(verbs[0].attributes, ["digits": "ww9#"])
        XCTAssertEqual(verbs[1].attributes, ["length": "2"], "the call is held a moment after the tone")
        XCTAssertEqual(answer.outcome, .opened(.grant))
        let opened = fixture.published("intercom.opened")
        XCTAssertEqual(opened, [["at": .int(IntercomFixture.start), "how": "grant", "from": .string(IntercomFixture.intercomNumber)]])
        XCTAssertEqual(fixture.events.events.last?.rooms, [RoomName.everyone])
        // The opening is on disk, for GET /api/intercom after a restart.
        XCTAssertEqual(try fixture.stored().openings.first?.how, .grant)
    }

    func testAGrantThatRanOutByTheClockForwardsAgain() throws {
        let fixture = try IntercomFixture()
        let intercom = try fixture.intercom()
        try intercom.changeGrant(minutes: 1, by: "alice")
        fixture.clock.advance(59)
        XCTAssertEqual(try intercom.answer(call()).outcome, .opened(.grant))
        fixture.clock.advance(1)
        let answer = try intercom.answer(call())
        XCTAssertEqual(try verbs(answer).map(\.name), ["Dial"])
        XCTAssertNotNil(try fixture.stored().grant, "the sweep removes it, not the call")
        intercom.sweepAndSettle()
        let ended = fixture.published("intercom.grant").last
        XCTAssertEqual(ended, ["action": "ended", "until": .int(IntercomFixture.start + 60), "by": "alice"])
        XCTAssertNil(try fixture.stored().grant)
    }

    // MARK: Door codes

    func testWithDoorCodesTheIntercomIsAskedForOneFirst() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 4711 2580:once")
        let answer = try fixture.intercom().answer(call(expectedFrom: "+442079460999", dial: "+447700900123"))
        XCTAssertEqual(answer.outcome, .askedForCode)
        let verbs = try verbs(answer)
        XCTAssertEqual(verbs.map(\.name), ["Gather", "Redirect"])
        let action = "/base/intercom?step=code&PhoneNumberToDial=%2B447700900123&ExpectedFrom=%2B442079460999"
        XCTAssertEqual(verbs[0].attributes, ["input": "dtmf", "numDigits": "4", "timeout": "5", "action": action, "method": "POST"])
        XCTAssertEqual(verbs[0].child("Say")?.text, Intercom.codePrompt)
        XCTAssertEqual(verbs[1].text, action)
        XCTAssertEqual(verbs[1].attributes, ["method": "POST"])
        XCTAssertTrue(fixture.events.events.isEmpty)
    }

    func testTheRightCodeOpensTheDoor() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 4711 2580")
        let answer = try fixture.intercom().answer(call(step: .code, digits: "2580"))
        XCTAssertEqual(answer.outcome, .opened(.code))
        XCTAssertEqual(try verbs(answer).first?.attributes["digits"], "ww9")
        XCTAssertEqual(fixture.published("intercom.opened").first?["how"], "code")
        XCTAssertFalse(fixture.log.messages.joined().contains("2580"), "the log must not show a door code")
    }

    func testAWrongCodeIsForwarded() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 4711")
        let answer = try fixture.intercom().answer(call(step: .code, digits: "4712"))
        XCTAssertEqual(answer.outcome, .forwarded(number: try PhoneNumber(e164: IntercomFixture.residentNumber), clients: []))
        XCTAssertTrue(fixture.published("intercom.opened").isEmpty)
    }

    func testNoCodeBeforeTheTimeoutIsForwarded() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 4711")
        let answer = try fixture.intercom().answer(call(step: .code, digits: nil))
        XCTAssertEqual(try verbs(answer).map(\.name), ["Dial"])
    }

    func testAnExpiredCodeIsForwardedFromMidnightUTCAfterItsDay() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 9999:2026-12-31")
        let intercom = try fixture.intercom()
        let midnight = 1_798_761_600  // 2027-01-01 00:00:00 UTC
        fixture.clock.advance(midnight - 1 - IntercomFixture.start)
        XCTAssertEqual(try intercom.answer(call(step: .code, digits: "9999")).outcome, .opened(.code))
        fixture.clock.advance(1)
        XCTAssertEqual(try verbs(try intercom.answer(call(step: .code, digits: "9999"))).map(\.name), ["Dial"])
    }

    func testASingleUseCodeOpensOnceAndStaysUsedAfterARestart() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 2580:once 4711")
        let first = try fixture.intercom()
        XCTAssertEqual(try first.answer(call(step: .code, digits: "2580")).outcome, .opened(.code))
        XCTAssertEqual(try verbs(try first.answer(call(step: .code, digits: "2580"))).map(\.name), ["Dial"])
        XCTAssertEqual(try fixture.stored().usedCodes, ["2580"])

        let restarted = try fixture.intercom()
        XCTAssertEqual(try verbs(try restarted.answer(call(step: .code, digits: "2580"))).map(\.name), ["Dial"])
        XCTAssertEqual(try restarted.answer(call(step: .code, digits: "4711")).outcome, .opened(.code))
        XCTAssertEqual(try restarted.answer(call(step: .code, digits: "4711")).outcome, .opened(.code), "4711 is not single-use")
    }

    func testAUsedCodeTakenOutOfTheConfigAndPutBackStaysUsed() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 2580:once")
        XCTAssertEqual(try fixture.intercom().answer(call(step: .code, digits: "2580")).outcome, .opened(.code))
        fixture.settings = try IntercomFixture.settings("expected_from = +442079460999\ndial = +447700900123")
        let without = try fixture.intercom()
        try without.changeGrant(minutes: 1, by: "alice")  // any write of the state file
        fixture.settings = try IntercomFixture.settings("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 2580:once")
        fixture.clock.advance(60)
        XCTAssertEqual(try verbs(try fixture.intercom().answer(call(step: .code, digits: "2580"))).map(\.name), ["Dial"])
    }

    func testDuringAGrantTheDoorOpensWithoutAskingForACode() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 4711")
        let intercom = try fixture.intercom()
        try intercom.changeGrant(minutes: 10, by: "bob")
        XCTAssertEqual(try intercom.answer(call()).outcome, .opened(.grant))
        XCTAssertEqual(try intercom.answer(call(step: .code, digits: "0000")).outcome, .opened(.grant))
    }

    func testTheCodeStepAlsoChecksTheCaller() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 4711")
        let answer = try fixture.intercom().answer(call(from: "+15005550006", step: .code, digits: "4711"))
        XCTAssertEqual(try verbs(answer).map(\.name), ["Reject"])
        XCTAssertTrue(fixture.published("intercom.opened").isEmpty)
    }

    // MARK: Forwarding

    func testForwardingRingsTheResidentAndTheBrowsersInOneDial() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\nring_clients = alice bob")
        let answer = try fixture.intercom().answer(call())
        let verbs = try verbs(answer)
        XCTAssertEqual(verbs.map(\.name), ["Dial"])
        XCTAssertEqual(verbs[0].children.map(\.name), ["Number", "Client", "Client"])
        XCTAssertEqual(verbs[0].children.map { $0.child("Identity")?.text ?? $0.text }, [IntercomFixture.residentNumber, "alice", "bob"])
        XCTAssertEqual(fixture.published("intercom.ringing"), [["at": .int(IntercomFixture.start), "from": .string(IntercomFixture.intercomNumber)]])
    }

    func testForwardingWithoutClientsDialsOnlyTheNumber() throws {
        let fixture = try IntercomFixture()
        let verbs = try verbs(try fixture.intercom().answer(call()))
        XCTAssertEqual(verbs.map(\.name), ["Dial"])
        // The forward rings for [intercom] dial_timeout (default 20 s, the seed's timeout_seconds).
        XCTAssertEqual(verbs[0].attributes, ["timeout": "20", "action": "/base/intercom?step=dialed", "method": "POST"])
        XCTAssertEqual(verbs[0].children.map(\.name), ["Number"])
        XCTAssertEqual(verbs[0].children.first?.text, IntercomFixture.residentNumber)
    }

    func testDialTimeoutIsTheForwardsRingTime() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndial_timeout = 45")
        let verbs = try verbs(try fixture.intercom().answer(call()))
        XCTAssertEqual(verbs[0].attributes["timeout"], "45")
    }

    func testPhoneNumberToDialOfTheURLWinsOverTheConfig() throws {
        let fixture = try IntercomFixture()
        let verbs = try verbs(try fixture.intercom().answer(call(dial: "+15005550006")))
        XCTAssertEqual(verbs.first?.child("Number")?.text, "+15005550006")
    }

    func testOnlyBrowsersRingWithoutANumber() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\nring_clients = carol")
        let verbs = try verbs(try fixture.intercom().answer(call(dial: "not a number")))
        XCTAssertEqual(verbs.first?.children.map(\.name), ["Client"])
        XCTAssertTrue(fixture.log.messages.contains { $0.contains("PhoneNumberToDial") })
    }

    func testWithNobodyToRingTheCallerHearsWhyAndTheCallEnds() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999")
        let answer = try fixture.intercom().answer(call())
        XCTAssertEqual(answer.outcome, .nobodyToCall)
        XCTAssertEqual(try verbs(answer).map(\.name), ["Say", "Hangup"])
    }
    // MARK: Several instances on one store

    func testASingleUseCodeUsedOnAnotherInstanceAMomentBeforeDoesNotOpenTwice() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 2580:once")
        let first = try fixture.intercom()
        let second = try fixture.intercom()  // read the store before the first used the code
        XCTAssertEqual(try first.answer(call(step: .code, digits: "2580")).outcome, .opened(.code))
        XCTAssertFalse(second.currentState.usedCodes.contains("2580"), "the second has not read the store again yet")
        let replay = try second.answer(call(step: .code, digits: "2580"))
        XCTAssertEqual(try verbs(replay).map(\.name), ["Dial"])
        XCTAssertTrue(second.currentState.usedCodes.contains("2580"))
        XCTAssertEqual(try fixture.stored().openings.count, 1, "one opening, by the first")
    }

    func testTwilioRetryingTheSameCallOpensAgainButAnotherCallCannotReuseTheCode() throws {
        let fixture = try IntercomFixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 2580:once")
        var keyed = call(step: .code, digits: "2580")
        keyed.callSid = "CA0001"
        let first = try fixture.intercom()
        let retried = try fixture.intercom()  // the retry reaches another instance, which has not read the store again
        XCTAssertEqual(try first.answer(keyed).outcome, .opened(.code))
        XCTAssertEqual(try retried.answer(keyed).outcome, .opened(.code), "the answer Twilio missed, again")
        XCTAssertEqual(try fixture.stored().openings.count, 1, "one opening logged")
        XCTAssertEqual(fixture.published("intercom.opened").count, 1, "one opening announced (and one hook sent)")
        keyed.callSid = "CA0002"
        XCTAssertEqual(try verbs(try retried.answer(keyed)).map(\.name), ["Dial"], "another call: the code is used")
    }

    func testTheEndOfTheForwardSaysWhetherAPersonAnswered() throws {
        let fixture = try IntercomFixture()
        let answered = try fixture.intercom().answer(call(step: .dialed))
        XCTAssertEqual(try verbs(answered).map(\.name), ["Hangup"])
        var ended = call(step: .dialed)
        ended.dialStatus = "completed"
        XCTAssertEqual(try fixture.intercom().answer(ended).door, "answered")
        ended.dialStatus = "no-answer"
        XCTAssertNil(try fixture.intercom().answer(ended).door)
    }

    func testAStoreThatCannotWriteKeepsTheDoorShutAndSaysSo() throws {
        let fixture = try IntercomFixture()
        let intercom = try fixture.intercom()
        try intercom.changeGrant(minutes: 10, by: "alice")
        fixture.store.close()
        XCTAssertThrowsError(try intercom.answer(call()))
        XCTAssertTrue(fixture.published("intercom.opened").isEmpty)
    }
}
