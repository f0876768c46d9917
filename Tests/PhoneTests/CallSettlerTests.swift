import Logging
import Outbound
import Store
import XCTest
@testable import Phone

/// When the call settler looks for stale calls: only on the instance that leads, at most once
/// per look interval, with the two bounds the config gives.
final class CallSettlerTests: XCTestCase {
    /// A history with no open calls that notes every look (answers at once, on the caller's thread).
    final class NotedLooks: CallRecords, @unchecked Sendable {
        var looks: [(ringingBefore: Int, answeredBefore: Int, limit: Int)] = []
        func openCalls(ringingBefore: Int, answeredBefore: Int, limit: Int, then: @escaping StoreCompletion<[CallRecord]>) {
            looks.append((ringingBefore, answeredBefore, limit))
            then(.success([]))
        }
        func merge(_ update: CallUpdate, then: @escaping StoreCompletion<CallRecord>) { XCTFail("nothing to merge") }
        func page(_ query: CallQuery, then: @escaping StoreCompletion<CallPage>) { XCTFail("no pages") }
        func markSeen(user: String, at: Int, then: @escaping StoreCompletion<Void>) { XCTFail("no marks") }
        func purge(startedBefore cutoff: Int, then: @escaping StoreCompletion<Int>) { XCTFail("no purge") }
        func forEachNow(_ body: (CallRecord) throws -> Void) throws {}
    }

    final class Lead: InstanceLeadership, @unchecked Sendable {
        var isLeader: Bool
        init(_ leads: Bool) { isLeader = leads }
        func stop() {}
    }

    func settler(_ records: NotedLooks, leads: Lead, ringing: Int = 4, answered: Int = 7200) -> CallSettler {
        let api = TwilioAPI(accountSID: "AC" + String(repeating: "0", count: 32), login: BasicCredentials(user: "AC", password: "x"),
                            client: OutboundClient())
        return CallSettler(calls: records, api: api, leadership: leads, ringingSeconds: ringing, answeredSeconds: answered,
                           logger: Logger(label: "test")) { _, _, _, _ in XCTFail("nothing to apply") }
    }

    func testOnlyTheLeaderLooksAndAtMostOncePerInterval() {
        let records = NotedLooks()
        let lead = Lead(false)
        let settler = settler(records, leads: lead)
        XCTAssertEqual(settler.lookMillis, 2000, "half the ringing bound")
        settler.sweep(now: 1_000)
        settler.sweep(now: 10_000)
        XCTAssertEqual(records.looks.count, 0, "an instance that does not lead asks nothing")
        lead.isLeader = true
        settler.sweep(now: 20_000)
        settler.sweep(now: 21_999)
        XCTAssertEqual(records.looks.count, 1)
        settler.sweep(now: 22_000)
        XCTAssertEqual(records.looks.count, 2)
        let look = records.looks[0]
        XCTAssertEqual(look.ringingBefore - look.answeredBefore, (7200 - 4) * 1000, "each state has its own bound")
        XCTAssertEqual(look.limit, CallSettler.batch)
        settler.stop()
        settler.sweep(now: 100_000)
        XCTAssertEqual(records.looks.count, 2, "nothing after stop")
    }

    func testTheLookIntervalStaysBetweenASecondAndAMinute() {
        XCTAssertEqual(settler(NotedLooks(), leads: Lead(true), ringing: 1).lookMillis, 1000)
        XCTAssertEqual(settler(NotedLooks(), leads: Lead(true), ringing: 900).lookMillis, 60_000)
    }
}
