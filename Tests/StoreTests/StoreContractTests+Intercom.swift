import Store
import XCTest

/// The intercom part of the store contract (each backend's subclass runs it).
extension StoreContractTests {
    func checkAGrantIsAnnouncedAndEndedOnceWhoeverAsks() throws {
        let store = try openStore()
        defer { store.close() }
        try wait { store.intercom.setGrant(.init(startedAt: 10, until: 70, by: "cli", announced: false), then: $0) }
        XCTAssertEqual(try wait { store.intercom.load(openingLimit: 1, then: $0) }.grant?.announced, false)
        XCTAssertTrue(try wait { store.intercom.announceGrant(until: 70, then: $0) })
        XCTAssertFalse(try wait { store.intercom.announceGrant(until: 70, then: $0) }, "announced once")
        XCTAssertEqual(try store.intercom.loadNow(openingLimit: 1).grant, .init(startedAt: 10, until: 70, by: "cli", announced: true))
        XCTAssertFalse(try wait { store.intercom.endGrant(until: 60, then: $0) }, "a grant changed since is not ended")
        XCTAssertTrue(try wait { store.intercom.endGrant(until: 70, then: $0) })
        XCTAssertFalse(try wait { store.intercom.endGrant(until: 70, then: $0) }, "ended once")
        XCTAssertNil(try store.intercom.loadNow(openingLimit: 1).grant)
    }

    func checkADoorOpeningConsumesItsCodeOnce() throws {
        let store = try openStore()
        defer { store.close() }
        XCTAssertEqual(try wait { store.intercom.open(.init(at: 1, how: "code", from: "+1"), consuming: "2580", callSid: "CA1", keep: 50, then: $0) },
                       .opened)
        XCTAssertEqual(try wait { store.intercom.open(.init(at: 2, how: "code", from: "+1"), consuming: "2580", callSid: "CA2", keep: 50, then: $0) },
                       .codeUsed, "a replayed single-use code opens nothing")
        XCTAssertEqual(try wait { store.intercom.open(.init(at: 2, how: "code", from: "+1"), consuming: "2580", callSid: "CA1", keep: 50, then: $0) },
                       .openedBefore, "the same call again (Twilio retrying): it opened, and is not logged twice")
        XCTAssertEqual(try wait { store.intercom.open(.init(at: 3, how: "grant", from: "+2"), consuming: nil, callSid: nil, keep: 50, then: $0) },
                       .opened)
        let state = try wait { store.intercom.load(openingLimit: 50, then: $0) }
        XCTAssertEqual(state.usedCodes, ["2580"])
        XCTAssertEqual(state.openings, [.init(at: 3, how: "grant", from: "+2"), .init(at: 1, how: "code", from: "+1")])
        XCTAssertEqual(try store.intercom.loadNow(openingLimit: 50), state)
    }

    func checkGrantCodeAttemptsAreCountedPerAddressAndWindow() throws {
        let store = try openStore()
        defer { store.close() }
        func count(_ address: String, at now: Int) throws -> CodeAttempts {
            try wait { store.intercom.countCodeAttempt(address: address, now: now, windowSeconds: 900, maxFailures: 2, then: $0) }
        }
        XCTAssertEqual(try count("a", at: 1000), CodeAttempts(failures: 1, windowStart: 1000))
        XCTAssertEqual(try count("a", at: 1001), CodeAttempts(failures: 2, windowStart: 1000))
        XCTAssertEqual(try count("a", at: 1002), CodeAttempts(failures: 3, windowStart: 1000), "past the limit")
        XCTAssertEqual(try count("a", at: 1003), CodeAttempts(failures: 3, windowStart: 1000), "and it stays there")
        XCTAssertEqual(try count("b", at: 1003), CodeAttempts(failures: 1, windowStart: 1003))
        XCTAssertEqual(try count("a", at: 1900), CodeAttempts(failures: 1, windowStart: 1900), "a new window")
        try wait { store.intercom.forgetCodeAttempts(address: "a", then: $0) }
        XCTAssertEqual(try count("a", at: 1901), CodeAttempts(failures: 1, windowStart: 1901))
        try wait { store.intercom.purgeCodeAttempts(before: 1900, then: $0) }
        XCTAssertEqual(try count("b", at: 1904), CodeAttempts(failures: 1, windowStart: 1904), "b's old window was purged")
        XCTAssertEqual(try count("a", at: 1905), CodeAttempts(failures: 2, windowStart: 1901), "a's window was kept")
    }
}
