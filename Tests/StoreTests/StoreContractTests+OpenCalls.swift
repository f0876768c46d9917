import Store
import XCTest

/// `openCalls`: the calls the settler asks Twilio about, the same on both backends.
extension StoreContractTests {
    func testOpenCallsFindsOnlyUnendedCallsPastTheirBoundOldestFirst() throws {
        let store = try openStore()
        defer { store.close() }
        let number = "+15005550006"
        func merge(_ update: CallUpdate) throws { _ = try wait { store.calls.merge(update, then: $0) } }
        // Ringing (nobody answered), started at 1_000, 2_000 and 9_000.
        try merge(CallUpdate(callSid: "CAringold", direction: .incoming, ourNumber: number, at: 2_000))
        try merge(CallUpdate(callSid: "CAringolder", direction: .incoming, ourNumber: number, at: 1_000))
        try merge(CallUpdate(callSid: "CAringnew", direction: .incoming, ourNumber: number, at: 9_000))
        // Answered by alice at 1_500, still talking; and one answered at 8_000.
        try merge(CallUpdate(callSid: "CAtalkold", direction: .incoming, ourNumber: number,
                             leg: CallLeg(sid: "CAleg1", user: "alice", status: "in-progress", answeredAt: 1_500), at: 1_200))
        try merge(CallUpdate(callSid: "CAtalknew", direction: .incoming, ourNumber: number,
                             leg: CallLeg(sid: "CAleg2", user: "alice", status: "in-progress", answeredAt: 8_000), at: 7_000))
        // Ended: the root leg completed. Never open, however old.
        try merge(CallUpdate(callSid: "CAended", direction: .incoming, ourNumber: number,
                             leg: CallLeg(sid: "CAended", status: "completed", endedAt: 600, duration: 0), at: 500))

        func open(ringing: Int, answered: Int, limit: Int = 50) throws -> [String] {
            try wait { store.calls.openCalls(ringingBefore: ringing, answeredBefore: answered, limit: limit, then: $0) }.map(\.sid)
        }
        XCTAssertEqual(try open(ringing: 5_000, answered: 1_100), ["CAringolder", "CAringold"],
                       "ringing calls past the ringing bound; the answered ones are younger than theirs")
        XCTAssertEqual(try open(ringing: 500, answered: 7_500), ["CAtalkold", "CAtalknew"])
        XCTAssertEqual(try open(ringing: 10_000, answered: 10_000),
                       ["CAringolder", "CAtalkold", "CAringold", "CAtalknew", "CAringnew"])
        XCTAssertEqual(try open(ringing: 10_000, answered: 10_000, limit: 2), ["CAringolder", "CAtalkold"])
        let found = try wait { store.calls.openCalls(ringingBefore: 10_000, answeredBefore: 10_000, limit: 5, then: $0) }
        XCTAssertEqual(found.first { $0.sid == "CAtalkold" }?.legs.map(\.sid), ["CAleg1"], "records come with their legs")

        // Once its root leg ends, a call is no longer open.
        try merge(CallUpdate(callSid: "CAringolder", leg: CallLeg(sid: "CAringolder", status: "completed", endedAt: 3_000), at: 3_000))
        XCTAssertEqual(try open(ringing: 5_000, answered: 0), ["CAringold"])
    }
}
