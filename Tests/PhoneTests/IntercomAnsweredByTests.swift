import XCTest
@testable import Phone
import Store

/// Who took a forwarded intercom call: the `<Dial action>` names the answering leg
/// (`DialCallSid`), the leg's own status callbacks name its browser (`To=client:alice`), and
/// the history record folds them together in whatever order they arrive.
final class IntercomAnsweredByTests: XCTestCase {
    let ours = "+442079460174"
    let intercom = "+442079460999"
    let sid = "CA" + String(repeating: "d", count: 32)
    let aliceLeg = "CA" + String(repeating: "e", count: 32)
    let bobLeg = "CA" + String(repeating: "f", count: 32)
    let phoneLeg = "CA" + String(repeating: "7", count: 32)
    let now = 1_800_000_000_000

    private func plan() throws -> NumberPlan {
        try NumberPlan(ini: IniFile(text: "[numbers]\n\(ours) = alice bob\n", path: "x.ini"))
    }

    /// The first webhook: no grant, no code, so the intercom forwards (no door yet).
    private func arrival() -> CallUpdate? {
        CallUpdate.intercom(form: [("CallSid", sid), ("From", intercom), ("To", ours)], door: nil, dialStatus: nil, now: now)
    }

    /// The forward's `<Dial action>`: somebody answered and talked `seconds`.
    private func dialed(leg: String, seconds: Int) -> CallUpdate? {
        CallUpdate.intercom(form: [("CallSid", sid), ("From", intercom), ("To", ours), ("DialCallStatus", "completed"),
                                   ("DialCallSid", leg), ("DialCallDuration", String(seconds))],
                            door: "answered", dialStatus: "completed", now: now + 20_000)
    }

    /// A status callback of one leg of the forward.
    private func leg(_ legSid: String, to: String, _ status: String, at offset: Int) throws -> CallUpdate? {
        var form = [("CallSid", legSid), ("ParentCallSid", sid), ("CallStatus", status), ("From", intercom), ("To", to),
                    ("Direction", "outbound-dial")]
        if status == "completed" { form.append(("CallDuration", "12")) }
        return CallUpdate.status(form: form, query: [("number", ours)], plan: try plan(), now: now + offset)
    }

    private func merged(_ updates: [CallUpdate?]) throws -> CallRecord {
        let present = updates.compactMap { $0 }
        XCTAssertEqual(present.count, updates.count, "every webhook makes an update")
        guard let first = present.first else { throw XCTSkip("no updates") }
        return present.dropFirst().reduce(CallRecord.from(first)) { $0.merging($1) }
    }

    func testTheBrowserThatAnsweredIsRecordedWhateverTheOrderOfTheCallbacks() throws {
        let updates: [CallUpdate?] = [
            arrival(),
            try leg(aliceLeg, to: "client:alice", "ringing", at: 1_000),
            try leg(bobLeg, to: "client:bob", "ringing", at: 1_000),
            try leg(aliceLeg, to: "client:alice", "in-progress", at: 5_000),
            try leg(bobLeg, to: "client:bob", "canceled", at: 5_100),
            try leg(aliceLeg, to: "client:alice", "completed", at: 17_000),
            dialed(leg: aliceLeg, seconds: 12),
        ]
        let inOrder = try merged(updates)
        XCTAssertEqual(inOrder.answeredBy, "alice")
        XCTAssertEqual(inOrder.door, "answered")
        XCTAssertEqual(inOrder.direction, .intercom, "the legs' callbacks do not make it an ordinary incoming call")
        XCTAssertEqual(inOrder.ourNumber, ours)
        XCTAssertEqual(inOrder.otherParty, intercom)
        XCTAssertEqual(inOrder.usersRung, ["alice", "bob"])
        XCTAssertEqual(inOrder.outcome, .completed)
        XCTAssertEqual(inOrder.duration, 12)
        // The intercom's first webhook is committed before Twilio dials, so it always comes first;
        // the legs' callbacks and the `<Dial action>` race each other.
        let late = [updates[0]] + updates.dropFirst().reversed()
        XCTAssertEqual(try merged(late), inOrder)
        let actionFirst = [updates[0], updates[6]] + updates[1...5]
        XCTAssertEqual(try merged(Array(actionFirst)).answeredBy, "alice")
    }

    func testTheJSONTheDialerReadsNamesWhoAnswered() throws {
        let record = try merged([arrival(), try leg(aliceLeg, to: "client:alice", "in-progress", at: 5_000),
                                 dialed(leg: aliceLeg, seconds: 12)])
        let json = record.json
        XCTAssertEqual(json["direction"]?.stringValue, "intercom")
        XCTAssertEqual(json["door"]?.stringValue, "answered")
        XCTAssertEqual(json["answeredBy"]?.stringValue, "alice")
        XCTAssertEqual(record.rooms, [RoomName.number(ours)], "only the users of the intercom's number hear of it")
    }

    func testTheResidentsPhoneAnsweringNamesNoBrowserButItsNumber() throws {
        let updates: [CallUpdate?] = [
            arrival(), try leg(phoneLeg, to: "+447700900123", "ringing", at: 1_000),
            try leg(aliceLeg, to: "client:alice", "ringing", at: 1_000),
            try leg(phoneLeg, to: "+447700900123", "in-progress", at: 5_000),
            try leg(aliceLeg, to: "client:alice", "canceled", at: 5_100), dialed(leg: phoneLeg, seconds: 30),
        ]
        let record = try merged(updates)
        XCTAssertEqual(record.door, "answered")
        XCTAssertNil(record.answeredBy)
        XCTAssertEqual(record.answeredNumber, "+447700900123")
        XCTAssertEqual(record.usersRung, ["alice"])
        XCTAssertEqual(record.legs.first { $0.sid == aliceLeg }?.number, nil, "a browser's leg has no number")
        // The `<Dial action>` names the leg but not its number: arriving first, it does not hide it.
        let actionFirst = try merged([updates[0], updates[5]] + updates[1...4])
        XCTAssertEqual(actionFirst.answeredNumber, "+447700900123")
        XCTAssertEqual(actionFirst, record)
        let json = record.json
        XCTAssertEqual(json["answeredNumber"]?.stringValue, "+447700900123")
        XCTAssertEqual(json["answeredBy"], .null)
    }

    func testABrowserAnsweringNamesNoNumberAndALegThatIsNoNumberIsNotOne() throws {
        let record = try merged([arrival(), try leg(phoneLeg, to: "+447700900123", "canceled", at: 5_100),
                                 try leg(aliceLeg, to: "client:alice", "in-progress", at: 5_000), dialed(leg: aliceLeg, seconds: 12)])
        XCTAssertEqual(record.answeredBy, "alice")
        XCTAssertNil(record.answeredNumber, "the phone rang but did not answer")
        XCTAssertEqual(record.legs.first { $0.sid == phoneLeg }?.number, "+447700900123")
        let sip = try merged([arrival(), try leg(phoneLeg, to: "sip:door@example.sip.twilio.com", "in-progress", at: 5_000)])
        XCTAssertNil(sip.answeredNumber, "a SIP address is not a phone number")
        let hostile = try merged([arrival(), try leg(phoneLeg, to: "+44<script>", "in-progress", at: 5_000)])
        XCTAssertNil(hostile.answeredNumber)
    }

    func testWithoutTheLegsCallbacksTheDoorIsAnsweredByNobodyNamed() throws {
        // An older forward (no statusCallback on its nouns) still records the door and the talk time.
        let record = try merged([arrival(), dialed(leg: aliceLeg, seconds: 12)])
        XCTAssertEqual(record.door, "answered")
        XCTAssertNil(record.answeredBy)
        XCTAssertEqual(record.duration, 12)
    }
}
