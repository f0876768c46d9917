import XCTest
@testable import Phone

/// `DoorDecision.decide`, a pure function of (settings, state, call, time): every branch.
final class DoorDecisionTests: XCTestCase {
    let now = 1_800_000_000
    let intercom = "+442079460999"
    let resident = try! PhoneNumber(e164: "+447700900123")

    private func settings(_ section: String = "expected_from = +442079460999\ndial = +447700900123") throws -> IntercomSettings {
        try IntercomFixture.settings(section)
    }

    private func decide(_ settings: IntercomSettings, state: IntercomState = IntercomState(), step: IntercomCall.Step = .arrival,
                        from: String? = nil, digits: String? = nil, expectedFrom: String? = nil, dial: String? = nil,
                        at time: Int? = nil) -> DoorDecision {
        let call = IntercomCall(step: step, from: from ?? intercom, digits: digits, expectedFrom: expectedFrom, phoneNumberToDial: dial)
        return DoorDecision.decide(settings: settings, state: state, call: call, now: time ?? now)
    }

    // MARK: Who calls

    func testAnotherCallerIsRefused() throws {
        guard case let .refuse(reason) = decide(try settings(), from: "+15005550006") else { return XCTFail() }
        XCTAssertTrue(reason.contains("is not the intercom"), reason)
        XCTAssertEqual(decide(try settings(), from: "+15005550006").door, "refused")
    }

    func testWithoutAnyExpectedNumberEveryCallIsRefused() throws {
        guard case let .refuse(reason) = decide(try settings("dial = +447700900123")) else { return XCTFail() }
        XCTAssertTrue(reason.contains("no ExpectedFrom"), reason)
    }

    func testAnExpectedFromInTheURLThatIsNoNumberIsRefused() throws {
        guard case let .refuse(reason) = decide(try settings(), expectedFrom: "intercom") else { return XCTFail() }
        XCTAssertTrue(reason.contains("ExpectedFrom \"intercom\""), reason)
    }

    func testTheURLsExpectedFromWinsOverTheConfig() throws {
        XCTAssertEqual(decide(try settings(), from: "+15005550006", expectedFrom: "+15005550006").outcome,
                       .forwarded(number: resident, clients: []))
    }

    // MARK: Grant periods

    func testAnActiveGrantOpens() throws {
        let grant = GrantPeriod(startedAt: now - 60, until: now + 1, by: "alice")
        let decision = decide(try settings(), state: IntercomState(grant: grant))
        XCTAssertEqual(decision, .openForGrant(grant, codeTried: nil))
        XCTAssertEqual(decision.opening, .grant)
        XCTAssertEqual(decision.door, "grant")
        XCTAssertNil(decision.codeToConsume)
    }

    func testAGrantIsOverAtItsEndSecond() throws {
        let grant = GrantPeriod(startedAt: now - 60, until: now, by: "alice")
        XCTAssertEqual(decide(try settings(), state: IntercomState(grant: grant)).outcome, .forwarded(number: resident, clients: []))
    }

    func testDuringAGrantAWrongCodeStillOpensAndIsNoted() throws {
        let grant = GrantPeriod(startedAt: now, until: now + 600, by: "bob")
        let decision = decide(try settings("expected_from = +442079460999\ndoor_codes = 4711"), state: IntercomState(grant: grant),
                              step: .code, digits: "0000")
        XCTAssertEqual(decision, .openForGrant(grant, codeTried: .wrong))
        XCTAssertEqual(decision.notes, ["a wrong door code was keyed in"])
    }

    // MARK: Door codes

    func testWithCodesTheArrivalAsksForOne() throws {
        XCTAssertEqual(decide(try settings("expected_from = +442079460999\ndoor_codes = 4711")), .askForCode)
    }

    func testAValidCodeOpens() throws {
        let decision = decide(try settings("expected_from = +442079460999\ndoor_codes = 4711"), step: .code, digits: "4711")
        XCTAssertEqual(decision, .openForCode(DoorCode(digits: "4711")))
        XCTAssertEqual(decision.door, "code")
        XCTAssertNil(decision.codeToConsume, "a lasting code is not consumed")
        XCTAssertFalse(decision.notes.joined().contains("4711"))
    }

    func testASingleUseCodeIsConsumedThenUsed() throws {
        let settings = try settings("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 2580:once")
        let first = decide(settings, step: .code, digits: "2580")
        XCTAssertEqual(first.codeToConsume, "2580")
        let again = decide(settings, state: IntercomState(usedCodes: ["2580"]), step: .code, digits: "2580")
        XCTAssertEqual(again, .forward(number: resident, clients: [], codeTried: .used(DoorCode(digits: "2580", singleUse: true)),
                                       unusableDialNumber: nil))
        XCTAssertEqual(again.notes, ["single-use door code 25** was used before"])
    }

    func testACodeIsValidUntilMidnightUTCAfterItsDay() throws {
        let settings = try settings("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 9999:2026-12-31")
        let midnight = 1_798_761_600  // 2027-01-01 00:00:00 UTC
        XCTAssertEqual(decide(settings, step: .code, digits: "9999", at: midnight - 1).opening, .code)
        let expired = decide(settings, step: .code, digits: "9999", at: midnight)
        guard case .forward(_, _, .expired?, nil) = expired else { return XCTFail("\(expired)") }
        XCTAssertEqual(expired.notes, ["door code 99** has expired"])
    }

    func testAWrongCodeAndNoCodeAreForwarded() throws {
        let settings = try settings("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 4711")
        XCTAssertEqual(decide(settings, step: .code, digits: "4712"),
                       .forward(number: resident, clients: [], codeTried: .wrong, unusableDialNumber: nil))
        XCTAssertEqual(decide(settings, step: .code, digits: nil),
                       .forward(number: resident, clients: [], codeTried: nil, unusableDialNumber: nil))
    }

    func testTheCodeStepChecksTheCallerFirst() throws {
        let settings = try settings("expected_from = +442079460999\ndoor_codes = 4711")
        guard case .refuse = decide(settings, step: .code, from: "+15005550006", digits: "4711") else { return XCTFail() }
    }

    // MARK: Forwarding

    func testPhoneNumberToDialOfTheURLWinsAndAnUnusableOneIsNoted() throws {
        let settings = try settings("expected_from = +442079460999\ndial = +447700900123\nring_clients = carol")
        XCTAssertEqual(decide(settings, dial: "+15005550006").outcome,
                       .forwarded(number: try PhoneNumber(e164: "+15005550006"), clients: ["carol"]))
        let bad = decide(settings, dial: "not a number")
        XCTAssertEqual(bad, .forward(number: resident, clients: ["carol"], codeTried: nil, unusableDialNumber: "not a number"))
        XCTAssertTrue(bad.notes.first?.contains("PhoneNumberToDial") == true)
    }

    func testEachLegOfAForwardReportsToTheStatusURLOnlyWhenOneIsGiven() throws {
        let settings = try settings("expected_from = +442079460999\ndial = +447700900123\nring_clients = alice bob")
        var call = IntercomCall(from: intercom, to: "+442079460174")
        let decision = DoorDecision.decide(settings: settings, state: IntercomState(), call: call, now: now)
        XCTAssertFalse(decision.twiml(settings: settings, call: call).xml.contains("statusCallback"))
        call.legStatusURL = "https://phone.example.com/status?number=%2B442079460174"
        let xml = decision.twiml(settings: settings, call: call).xml
        let callback = #"statusCallbackEvent="initiated ringing answered completed" statusCallback="https://phone.example.com/status?number=%2B442079460174" statusCallbackMethod="POST""#
        XCTAssertEqual(xml.components(separatedBy: callback).count - 1, 3, "the resident's phone and both browsers: \(xml)")
        XCTAssertTrue(xml.contains(#"<Client \#(callback)><Identity>alice</Identity><Parameter name="intercom" value="true"/><Parameter name="openDigits" value="ww9"/></Client>"#), xml)
    }

    func testEachBrowserAForwardRingsIsToldTheIntercomCallsAndHowItsDoorOpens() throws {
        let settings = try settings("expected_from = +442079460999\ndial = +447700900123\nring_clients = alice bob")
        let call = IntercomCall(from: intercom, to: "+442079460174")
        let xml = DoorDecision.decide(settings: settings, state: IntercomState(), call: call, now: now).twiml(settings: settings, call: call).xml
        XCTAssertTrue(xml.contains(#"<Dial timeout="20" action="/intercom?step=dialed" method="POST"><Number>+447700900123</Number>"#
            + #"<Client><Identity>alice</Identity><Parameter name="intercom" value="true"/><Parameter name="openDigits" value="ww9"/></Client>"#
            + #"<Client><Identity>bob</Identity><Parameter name="intercom" value="true"/><Parameter name="openDigits" value="ww9"/></Client></Dial>"#), xml)
    }

    func testNobodyToCall() throws {
        XCTAssertEqual(decide(try settings("expected_from = +442079460999")), .nobodyToCall(codeTried: nil, unusableDialNumber: nil))
        XCTAssertNil(decide(try settings("expected_from = +442079460999")).door)
    }

    func testTheEndOfTheForward() throws {
        var call = IntercomCall(step: .dialed, from: intercom, dialStatus: "completed")
        let settings = try settings()
        XCTAssertEqual(DoorDecision.decide(settings: settings, state: IntercomState(), call: call, now: now), .forwardEnded(dialStatus: "completed"))
        XCTAssertEqual(DoorDecision.decide(settings: settings, state: IntercomState(), call: call, now: now).door, "answered")
        call.dialStatus = "busy"
        XCTAssertNil(DoorDecision.decide(settings: settings, state: IntercomState(), call: call, now: now).door)
        call.from = "+15005550006"
        XCTAssertEqual(DoorDecision.decide(settings: settings, state: IntercomState(), call: call, now: now).door, "refused")
    }
}
