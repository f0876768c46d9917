import Store
import XCTest
@testable import Phone

/// The call settler's decisions: what Twilio's answer about a stale call leads to, what is
/// recorded (the status callback Twilio did not deliver) and when a call is asked about again.
final class CallSettlementTests: XCTestCase {
    let number = "+442079460174"
    let sid = "CA" + String(repeating: "ab", count: 16)

    func plan() throws -> NumberPlan {
        try NumberPlan(ini: IniFile(text: "[numbers]\n+442079460174 = alice, bob\n[clients]\nalice = +442079460174\n",
                                    path: "shetphone.ini"))
    }

    /// An incoming call alice's browser answered at 2_000; its last callbacks never came.
    func talking() -> CallRecord {
        CallRecord.from(CallUpdate(callSid: sid, direction: .incoming, ourNumber: number, otherParty: "+447700900123",
                                   usersRung: ["alice"], at: 1_000))
            .merging(CallUpdate(callSid: sid, leg: CallLeg(sid: "CAleg", user: "alice", status: "in-progress", answeredAt: 2_000),
                                at: 2_000))
    }

    /// An incoming call still ringing: nobody answered, no `<Dial action>` came.
    func ringing() -> CallRecord {
        CallRecord.from(CallUpdate(callSid: sid, direction: .incoming, ourNumber: number, otherParty: "+447700900123",
                                   usersRung: ["alice"], at: 1_000))
    }

    /// The record after the settlement is applied as `/status` would apply it.
    func applied(_ settlement: CallSettlement, to record: CallRecord) throws -> CallRecord {
        guard case let .settle(status, duration, endedAt) = settlement else {
            XCTFail("not settled: \(settlement)")
            return record
        }
        let callback = CallSettlement.statusCallback(record, status: status, duration: duration)
        let update = try XCTUnwrap(CallUpdate.status(form: callback.form, query: callback.query, plan: try plan(), now: endedAt))
        XCTAssertNotNil(StatusCallback.event(form: callback.form, query: callback.query, plan: try plan(), now: endedAt / 1000),
                        "the call.status event goes to the number's room as the callback's would")
        return record.merging(update)
    }

    func testCompletedAtTwilioEndsTheCallAtTwiliosEndTime() throws {
        let answer = TwilioCall(sid: sid, status: "completed", duration: 42, endTime: "Tue, 14 Nov 2023 22:13:20 +0000")
        let settlement = CallSettlement.decide(talking(), answer: .success(answer), now: 9_999_999_999_999)
        XCTAssertEqual(settlement, .settle(status: "completed", duration: 42, endedAt: 1_700_000_000_000))
        let record = try applied(settlement, to: talking())
        XCTAssertEqual(record.state, "ended")
        XCTAssertEqual(record.outcome, .completed)
        XCTAssertEqual(record.answeredBy, "alice")
        XCTAssertEqual(record.endedAt, 1_700_000_000_000)
        XCTAssertEqual(talking().state, "in-progress", "the record before it was open")
    }

    func testARingingCallTwilioEndedIsMissedAndWithoutEndTimeEndsNow() throws {
        let settlement = CallSettlement.decide(ringing(), answer: .success(TwilioCall(sid: sid, status: "no-answer")), now: 50_000)
        XCTAssertEqual(settlement, .settle(status: "no-answer", duration: nil, endedAt: 50_000))
        let record = try applied(settlement, to: ringing())
        XCTAssertEqual(record.state, "ended")
        XCTAssertEqual(record.outcome, .missed)
        XCTAssertTrue(record.isMissed)
    }

    func testACallTwilioDoesNotKnowEndsWhenTheHistoryLastHeardOfIt() throws {
        let notFound = TwilioAPIError.api(status: 404, code: 20404, message: "not found", resource: "call")
        let settlement = CallSettlement.decide(talking(), answer: .failure(notFound), now: 50_000)
        XCTAssertEqual(settlement, .settle(status: "completed", duration: nil, endedAt: 2_000))
        let record = try applied(settlement, to: talking())
        XCTAssertEqual(record.state, "ended")
        XCTAssertEqual(record.outcome, .completed, "alice answered: that stays known")
        XCTAssertEqual(CallSettlement.decide(ringing(), answer: .failure(.invalidSID("CA1", expected: "CA")), now: 50_000),
                       .settle(status: "completed", duration: nil, endedAt: 1_000), "no Twilio call has that SID")
        XCTAssertEqual(try applied(.settle(status: "completed", duration: nil, endedAt: 1_000), to: ringing()).outcome, .missed)
    }

    func testALiveCallOrAFailedAskIsLeftForLater() {
        for status in ["queued", "ringing", "in-progress"] {
            XCTAssertEqual(CallSettlement.decide(talking(), answer: .success(TwilioCall(sid: sid, status: status)), now: 1), .stillLive)
        }
        XCTAssertEqual(CallSettlement.decide(talking(), answer: .success(TwilioCall(sid: sid, status: "paused-on-mars")), now: 1),
                       .retry, "a status nobody documented ends nothing")
        let failures: [TwilioAPIError] = [
            .api(status: 503, code: nil, message: "down", resource: "call"),
            .api(status: 401, code: 20003, message: "auth", resource: "call"),
            .api(status: 429, code: 20429, message: "slow down", resource: "call"),
            .unexpectedResponse(resource: "call", detail: "not JSON"),
        ]
        for failure in failures {
            XCTAssertEqual(CallSettlement.decide(talking(), answer: .failure(failure), now: 1), .retry, "\(failure)")
        }
    }

    func testTheCallbackNamesOurNumberAndTheCallerOfAnOutgoingCall() {
        var outgoing = ringing()
        outgoing.direction = .outgoing
        outgoing.user = "alice"
        let callback = CallSettlement.statusCallback(outgoing, status: "completed", duration: 7)
        XCTAssertEqual(callback.form.map { "\($0.0)=\($0.1)" }, ["CallSid=\(sid)", "CallStatus=completed", "CallDuration=7"])
        XCTAssertEqual(callback.query.map { "\($0.0)=\($0.1)" }, ["number=\(number)", "user=alice"])
        XCTAssertEqual(CallSettlement.statusCallback(ringing(), status: "canceled", duration: nil).query.map(\.0), ["number"])
    }

    func testAsksAgainAfterDoublingWaitsOfAtMostAnHour() {
        XCTAssertEqual((1...5).map { CallSettlement.retryDelayMillis(asks: $0, firstMillis: 60_000) },
                       [60_000, 120_000, 240_000, 480_000, 960_000])
        XCTAssertEqual(CallSettlement.retryDelayMillis(asks: 7, firstMillis: 60_000), 3_600_000)
        XCTAssertEqual(CallSettlement.retryDelayMillis(asks: 1_000, firstMillis: 60_000), 3_600_000)
    }

    func testTwilioCallReadsTheDocumentedShape() throws {
        let json = try JSONParser.parse(Array("""
            {"sid": "\(sid)", "status": "completed", "duration": "15", "end_time": "Fri, 24 May 2019 17:44:46 +0000",
             "start_time": "Fri, 24 May 2019 17:44:31 +0000", "parent_call_sid": null, "direction": "inbound"}
            """.utf8))
        XCTAssertEqual(TwilioCall(json: json), TwilioCall(sid: sid, status: "completed", duration: 15,
                                                          endTime: "Fri, 24 May 2019 17:44:46 +0000"))
        let live = try JSONParser.parse(Array(#"{"sid": "CA1", "status": "in-progress", "duration": null, "end_time": null}"#.utf8))
        XCTAssertEqual(TwilioCall(json: live), TwilioCall(sid: "CA1", status: "in-progress"))
        XCTAssertNil(TwilioCall(json: try JSONParser.parse(Array(#"{"sid": "CA1"}"#.utf8))))
    }
}
