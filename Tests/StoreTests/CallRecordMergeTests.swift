import Store
import XCTest

/// The merge of callbacks into one record: any order, any repeats, same record.
final class CallRecordMergeTests: XCTestCase {
    let root = "CA00000000000000000000000000000001"
    let aliceLeg = "CA000000000000000000000000000000a1"
    let bobLeg = "CA000000000000000000000000000000b1"

    /// An incoming call rung to alice and bob, answered by alice, with Twilio's usual callbacks.
    var incomingAnsweredByAlice: [CallUpdate] {
        [
            CallUpdate(callSid: root, direction: .incoming, ourNumber: "+15005550006", otherParty: "+442071234567",
                       callerName: "ACME LTD", usersRung: ["alice", "bob"], at: 1_000),
            CallUpdate(callSid: root, leg: CallLeg(sid: aliceLeg, user: "alice", status: "ringing"), at: 1_100),
            CallUpdate(callSid: root, leg: CallLeg(sid: bobLeg, user: "bob", status: "ringing"), at: 1_100),
            CallUpdate(callSid: root, leg: CallLeg(sid: aliceLeg, user: "alice", status: "in-progress", answeredAt: 5_000), at: 5_000),
            CallUpdate(callSid: root, leg: CallLeg(sid: bobLeg, user: "bob", status: "canceled", endedAt: 5_000), at: 5_000),
            CallUpdate(callSid: root, leg: CallLeg(sid: aliceLeg, user: "alice", status: "completed", endedAt: 65_000, duration: 60), at: 65_000),
            CallUpdate(callSid: root, dialStatus: "completed", at: 65_100),
        ]
    }

    func fold(_ updates: [CallUpdate]) -> CallRecord {
        var record = CallRecord.from(updates[0])
        for update in updates.dropFirst() { record = record.merging(update) }
        return record
    }

    func testAnsweredIncomingCallIsCompletedByTheUserWhoAnswered() {
        let record = fold(incomingAnsweredByAlice)
        XCTAssertEqual(record.outcome, .completed)
        XCTAssertEqual(record.answeredBy, "alice")
        XCTAssertEqual(record.answeredAt, 5_000)
        XCTAssertEqual(record.endedAt, 65_000)
        XCTAssertEqual(record.duration, 60)
        XCTAssertEqual(record.usersRung, ["alice", "bob"])
        XCTAssertEqual(record.callerName, "ACME LTD")
        XCTAssertEqual(record.startedAt, 1_000)
        XCTAssertEqual(record.state, "ended")
    }

    func testShuffledAndRepeatedCallbacksGiveTheSameRecord() {
        let expected = fold(incomingAnsweredByAlice)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let updates = (incomingAnsweredByAlice + incomingAnsweredByAlice.prefix(Int.random(in: 0...7, using: &generator)))
                .shuffled(using: &generator)
            XCTAssertEqual(fold(updates), expected)
        }
    }

    func testIncomingCallNobodyAnsweredIsMissed() {
        let record = fold([
            CallUpdate(callSid: root, direction: .incoming, ourNumber: "+15005550006", otherParty: "+442071234567",
                       usersRung: ["alice"], at: 1_000),
            CallUpdate(callSid: root, leg: CallLeg(sid: aliceLeg, user: "alice", status: "no-answer", endedAt: 26_000), at: 26_000),
            CallUpdate(callSid: root, dialStatus: "no-answer", at: 26_100),
        ])
        XCTAssertEqual(record.outcome, .missed)
        XCTAssertTrue(record.isMissed)
        XCTAssertNil(record.answeredBy)
        XCTAssertEqual(record.duration, 0)
    }

    func testIncomingCallEveryBrowserDeclinedIsRejected() {
        let record = fold([
            CallUpdate(callSid: root, direction: .incoming, usersRung: ["alice", "bob"], at: 1_000),
            CallUpdate(callSid: root, leg: CallLeg(sid: aliceLeg, user: "alice", status: "busy", endedAt: 2_000), at: 2_000),
            CallUpdate(callSid: root, leg: CallLeg(sid: bobLeg, user: "bob", status: "busy", endedAt: 3_000), at: 3_000),
        ])
        XCTAssertEqual(record.outcome, .rejected)
        XCTAssertEqual(record.endedAt, 3_000)
    }

    func testCallStillRingingHasNoOutcome() {
        let record = fold([
            CallUpdate(callSid: root, direction: .incoming, usersRung: ["alice", "bob"], at: 1_000),
            CallUpdate(callSid: root, leg: CallLeg(sid: aliceLeg, user: "alice", status: "busy", endedAt: 2_000), at: 2_000),
            CallUpdate(callSid: root, leg: CallLeg(sid: bobLeg, user: "bob", status: "ringing"), at: 1_500),
        ])
        XCTAssertNil(record.outcome)
        XCTAssertNil(record.endedAt)
        XCTAssertEqual(record.state, "ringing")
    }

    func testOutgoingCallOutcomesFollowTheDialledLeg() {
        let pstn = "CA0000000000000000000000000000pstn"
        for (status, outcome) in [("busy", CallOutcome.busy), ("no-answer", .noAnswer), ("failed", .failed), ("canceled", .canceled)] {
            let record = fold([
                CallUpdate(callSid: root, direction: .outgoing, ourNumber: "+15005550006", otherParty: "+442071234567",
                           user: "alice", at: 1_000),
                CallUpdate(callSid: root, leg: CallLeg(sid: pstn, status: status, endedAt: 9_000), at: 9_000),
            ])
            XCTAssertEqual(record.outcome, outcome, status)
            XCTAssertNil(record.answeredBy)
        }
    }

    func testOutgoingCallCompletedWithDurationWasAnswered() {
        let pstn = "CA0000000000000000000000000000pstn"
        let record = fold([
            CallUpdate(callSid: root, leg: CallLeg(sid: pstn, status: "completed", endedAt: 40_000, duration: 30), at: 40_000),
            CallUpdate(callSid: root, direction: .outgoing, user: "alice", at: 1_000),
            CallUpdate(callSid: root, leg: CallLeg(sid: pstn, status: "in-progress", answeredAt: 10_000), at: 10_000),
        ])
        XCTAssertEqual(record.outcome, .completed)
        XCTAssertEqual(record.duration, 30)
        XCTAssertEqual(record.user, "alice")
        XCTAssertEqual(record.startedAt, 1_000)
    }

    func testLegNeverMovesBackToAnEarlierStatus() {
        let ended = CallLeg(sid: aliceLeg, status: "completed", endedAt: 9)
        let late = CallLeg(sid: aliceLeg, status: "ringing")
        XCTAssertEqual(ended.merged(with: late).status, "completed")
        XCTAssertEqual(late.merged(with: ended).status, "completed")
    }

    func testIntercomCallThatOpenedTheDoorIsCompleted() {
        let record = fold([CallUpdate(callSid: root, direction: .intercom, ourNumber: "+15005550006",
                                      otherParty: "+15005550001", door: "grant", at: 1_000)])
        XCTAssertEqual(record.outcome, .completed)
        XCTAssertEqual(record.door, "grant")
    }
}
