import XCTest
@testable import Phone

final class StatusCallbackTests: XCTestCase {
    func plan() throws -> NumberPlan {
        try NumberPlan(ini: IniFile(text: """
            [numbers]
            +442079460174 = alice, bob
            [clients]
            alice = +442079460174, +14155550100
            """, path: "shetphone.ini"))
    }

    func testOutgoingLegGoesToTheCallerIDRoomAndTheCaller() throws {
        let form = [("CallSid", "CA2"), ("ParentCallSid", "CA1"), ("CallStatus", "ringing"), ("Direction", "outbound-dial"),
                    ("From", "+14155550100"), ("To", "+12125550100")]
        let event = try XCTUnwrap(StatusCallback.event(form: form, query: [("number", "+14155550100"), ("user", "alice")],
                                                       plan: try plan(), now: 1_700_000_000))
        XCTAssertEqual(event.type, "call.status")
        XCTAssertEqual(event.rooms, ["number:+14155550100", "user:alice"])
        XCTAssertEqual(event.data.text, """
            {"callSid":"CA2","parentCallSid":"CA1","status":"ringing","direction":"outbound-dial","from":"+14155550100",\
            "to":"+12125550100","fromUser":null,"toUser":null,"number":"+14155550100","duration":null,"timestamp":1700000000}
            """)
    }

    func testOurNumberIsFoundWithoutHints() throws {
        let plan = try plan()
        // Incoming call: To is ours.
        let incoming = try XCTUnwrap(StatusCallback.event(
            form: [("CallSid", "CA3"), ("CallStatus", "completed"), ("From", "+447700900123"), ("To", "+442079460174"),
                   ("CallDuration", "42")], plan: plan, now: 5))
        XCTAssertEqual(incoming.rooms, ["number:+442079460174"])
        XCTAssertEqual(incoming.data["duration"], 42)
        // Outgoing leg placed with our caller ID: From is ours.
        let outgoing = try XCTUnwrap(StatusCallback.event(
            form: [("CallSid", "CA4"), ("CallStatus", "in-progress"), ("From", "+14155550100"), ("To", "+12125550100")],
            plan: plan, now: 5))
        XCTAssertEqual(outgoing.rooms, ["number:+14155550100"])
    }

    func testBrowserLegAlsoGoesToTheUsersRoom() throws {
        let event = try XCTUnwrap(StatusCallback.event(
            form: [("CallSid", "CA5"), ("CallStatus", "answered"), ("From", "+447700900123"), ("To", "client:bob")],
            query: [("number", "+442079460174")], plan: try plan(), now: 5))
        XCTAssertEqual(event.rooms, ["number:+442079460174", "user:bob"])
        XCTAssertEqual(event.data["number"], "+442079460174")
    }

    func testABrowserLegNamesItsUserAndNeverTheRawClientIdentity() throws {
        let plan = try NumberPlan(ini: IniFile(text: "[numbers]\n+442079460174 = j.smith, bob\n", path: "shetphone.ini"))
        let identity = ClientIdentity.of("j.smith")
        XCTAssertNotEqual(identity, "j.smith", "the identity is an encoding, not the name")
        let incoming = try XCTUnwrap(StatusCallback.event(
            form: [("CallSid", "CA9"), ("CallStatus", "ringing"), ("From", "+447700900123"), ("To", "client:" + identity)],
            query: [("number", "+442079460174")], plan: plan, now: 5))
        XCTAssertEqual(incoming.rooms, ["number:+442079460174", "user:j.smith"])
        XCTAssertEqual(incoming.data["from"], "+447700900123")
        XCTAssertEqual(incoming.data["to"], .null)
        XCTAssertEqual(incoming.data["toUser"], "j.smith")
        XCTAssertEqual(incoming.data["fromUser"], .null)
        XCTAssertFalse(incoming.json.contains("client:"), incoming.json)
        let outgoing = try XCTUnwrap(StatusCallback.event(
            form: [("CallSid", "CA10"), ("CallStatus", "in-progress"), ("From", "client:bob"), ("To", "+12125550100")],
            plan: plan, now: 5))
        XCTAssertEqual(outgoing.data["fromUser"], "bob")
        XCTAssertEqual(outgoing.data["from"], .null)
        XCTAssertEqual(outgoing.data["to"], "+12125550100")
        // A client address naming nobody we know is dropped too, not passed on raw.
        let stranger = try XCTUnwrap(StatusCallback.event(
            form: [("CallSid", "CA11"), ("CallStatus", "ringing"), ("From", "client:mallory"), ("To", "+442079460174")],
            plan: plan, now: 5))
        XCTAssertEqual(stranger.data["from"], .null)
        XCTAssertEqual(stranger.data["fromUser"], .null)
    }

    func testAUsersEventNeverGoesToANumberTheUserIsNotOn() throws {
        let plan = try NumberPlan(ini: IniFile(text: "[numbers]\n+442079460174 = alice\n+15005550006 = bob\n", path: "shetphone.ini"))
        // Signed, but naming bob's number beside alice: alice's leg stays out of bob's number room.
        let mixed = try XCTUnwrap(StatusCallback.event(
            form: [("CallSid", "CA7"), ("CallStatus", "ringing"), ("From", "client:alice"), ("To", "+15005550006")],
            query: [("number", "+15005550006"), ("user", "alice")], plan: plan, now: 5))
        XCTAssertEqual(mixed.rooms, ["user:alice"])
        XCTAssertEqual(mixed.data["number"], JSON.null)
        let matching = try XCTUnwrap(StatusCallback.event(
            form: [("CallSid", "CA8"), ("CallStatus", "ringing"), ("From", "client:alice"), ("To", "+15005550006")],
            query: [("number", "+442079460174"), ("user", "alice")], plan: plan, now: 5))
        XCTAssertEqual(matching.rooms, ["number:+442079460174", "user:alice"])
    }

    func testHintsThatAreNotOursAreIgnored() throws {
        let plan = try plan()
        XCTAssertNil(StatusCallback.event(
            form: [("CallSid", "CA6"), ("CallStatus", "ringing"), ("From", "+12125550100"), ("To", "+12125550111")],
            query: [("number", "+12125550100"), ("user", "mallory")], plan: plan, now: 5))
    }

    func testMissingOrUnknownStatusIsNotAnEvent() throws {
        let plan = try plan()
        XCTAssertNil(StatusCallback.event(form: [("CallStatus", "ringing"), ("To", "+442079460174")], plan: plan, now: 5))
        XCTAssertNil(StatusCallback.event(form: [("CallSid", "CA7"), ("To", "+442079460174")], plan: plan, now: 5))
        XCTAssertNil(StatusCallback.event(form: [("CallSid", "CA7"), ("CallStatus", "<b>"), ("To", "+442079460174")], plan: plan, now: 5))
        XCTAssertNil(StatusCallback.event(form: [("CallSid", String(repeating: "C", count: 200)), ("CallStatus", "ringing"),
                                                 ("To", "+442079460174")], plan: plan, now: 5))
    }

    func testHostileFieldsAreEscapedOrDropped() throws {
        let event = try XCTUnwrap(StatusCallback.event(
            form: [("CallSid", "CA8\"</script>"), ("CallStatus", "Busy"), ("To", "+442079460174"),
                   ("From", "\"><img src=x>\u{2028}"), ("Direction", String(repeating: "d", count: 40)), ("CallDuration", "-3")],
            plan: try plan(), now: 5))
        XCTAssertEqual(event.data["status"], "busy")
        XCTAssertEqual(event.data["direction"], .null)
        XCTAssertEqual(event.data["duration"], .null)
        XCTAssertTrue(event.json.contains("\"from\":\"\\\"><img src=x>\\u2028\""), event.json)
        XCTAssertEqual(try JSONParser.parse(event.json)["data"]?["callSid"], "CA8\"</script>")
    }
}
