import Store
import XCTest

/// The texts part of the store contract (each backend's subclass runs it).
extension StoreContractTests {
    func text(_ sid: String, number: String = "+15005550006", party: String = "+15551230001",
              direction: TextDirection = .incoming, status: String = "received", at: Int) -> TextMessage {
        TextMessage(sid: sid, number: number, party: party, direction: direction, body: "body of \(sid)",
                    media: sid.hasPrefix("MM") ? [TextMedia(url: "https://api.twilio.com/x/Media/ME1", contentType: "image/png")] : [],
                    status: status, sentBy: direction == .outgoing ? "alice" : nil, createdAt: at)
    }

    func checkTextsMakeOneThreadPerPartyAndADuplicateSIDIsKeptOnce() throws {
        let store = try openStore()
        defer { store.close() }
        let first = try wait { store.messages.save(text("SM1", at: 1), then: $0) }
        XCTAssertTrue(first.isNew)
        let again = try wait { store.messages.save(text("SM1", at: 2), then: $0) }
        XCTAssertFalse(again.isNew)
        XCTAssertEqual(again.message, first.message)
        let media = try wait { store.messages.save(text("MM2", at: 3), then: $0) }
        XCTAssertEqual(media.message.threadID, first.message.threadID)
        XCTAssertEqual(media.message.media, [TextMedia(url: "https://api.twilio.com/x/Media/ME1", contentType: "image/png")])
        _ = try wait { store.messages.save(text("SM3", party: "+15551230002", at: 4), then: $0) }
        _ = try wait { store.messages.save(text("SM4", number: "+15005550009", at: 5), then: $0) }

        let threads = try wait { store.messages.threads(numbers: ["+15005550006"], user: "alice", limit: 10, then: $0) }
        XCTAssertEqual(threads.map(\.party), ["+15551230002", "+15551230001"])
        XCTAssertEqual(threads.map(\.unread), [1, 2])
        XCTAssertEqual(threads[1].last.sid, "MM2")
        let page = try wait { store.messages.messages(threadID: first.message.threadID, before: nil, limit: 1, then: $0) }
        XCTAssertEqual(page.map(\.sid), ["MM2"])
        let older = try wait { store.messages.messages(threadID: first.message.threadID, before: page[0].id, limit: 5, then: $0) }
        XCTAssertEqual(older.map(\.sid), ["SM1"])
        let found = try wait { store.messages.search(numbers: ["+15005550006"], text: "BODY OF sm3", digits: "", limit: 5, then: $0) }
        XCTAssertEqual(found.map(\.sid), ["SM3"])
        let byParty = try wait { store.messages.search(numbers: ["+15005550006"], text: "-", digits: "5551230001", limit: 5, then: $0) }
        XCTAssertEqual(byParty.map(\.sid), ["MM2", "SM1"])
        XCTAssertEqual(try wait { store.messages.search(numbers: ["+15005550009"], text: "sm1", digits: "", limit: 5, then: $0) }, [])
    }

    func checkTheTextsSearchFindsBodiesAndPartiesNewestFirst() throws {
        let store = try openStore()
        defer { store.close() }
        func save(_ sid: String, _ body: String, party: String = "+15551230001", number: String = "+15005550006", at: Int) throws {
            _ = try wait { store.messages.save(TextMessage(sid: sid, number: number, party: party, direction: .incoming, body: body,
                                                           media: [], status: "received", createdAt: at), then: $0) }
        }
        try save("SM1", "Your DELIVERY is on its way", at: 1)
        try save("SM2", "50% off today", at: 2)
        try save("SM3", "500 off today", at: 3)
        try save("SM4", "she said \"hello there\"", at: 4)
        try save("SM5", "delivery on another number", number: "+15005550009", at: 5)
        for index in 0..<8 { try save("SM-party-\(index)", "nothing to see", party: "+447700900123", at: 10 + index) }
        try save("SM6", "a late delivery", at: 30)
        func sids(_ text: String, digits: String = "", limit: Int = 5) throws -> [String] {
            try wait { store.messages.search(numbers: ["+15005550006"], text: text, digits: digits, limit: limit, then: $0) }.map(\.sid)
        }
        XCTAssertEqual(try sids("delivery"), ["SM6", "SM1"], "any ASCII case, newest first, the user's numbers only")
        XCTAssertEqual(try sids("Delivery", limit: 1), ["SM6"])
        XCTAssertEqual(try sids("50%"), ["SM2"], "% is a character, not a wildcard")
        XCTAssertEqual(try sids("0_o"), [], "_ is a character, not a wildcard")
        XCTAssertEqual(try sids("\"hello there\""), ["SM4"], "quotes are characters")
        XCTAssertEqual(try sids("of"), ["SM3", "SM2"], "two characters: the scan")
        XCTAssertEqual(try sids("zebra"), [])
        XCTAssertEqual(try sids("-", digits: "7700900"), ["SM-party-7", "SM-party-6", "SM-party-5", "SM-party-4", "SM-party-3"],
                       "the party's newest texts")
        XCTAssertEqual(try sids("delivery", digits: "7700900", limit: 3), ["SM6", "SM-party-7", "SM-party-6"],
                       "body and party matches merged, newest first")
    }

    func checkATextsTermOfCommonAndRareTrigramsFindsExactlyTheTextsHoldingIt() throws {
        let store = try openStore()
        defer { store.close() }
        func save(_ sid: String, _ body: String, at: Int) throws {
            _ = try wait { store.messages.save(TextMessage(sid: sid, number: "+15005550006", party: "+15551230001", direction: .incoming,
                                                           body: body, media: [], status: "received", createdAt: at), then: $0) }
        }
        // `ref` and `your` are in every text, `123` and `456` in a few: the index is asked for the
        // rare ones and the exact test keeps only the texts holding the whole term.
        for index in 0..<300 { try save("SM-many-\(index)", "Your delivery ref 9\(sparseDigits(index)) is on its way", at: index) }
        try save("SM-a", "Your delivery REF 123456 is on its way", at: 1_000)
        try save("SM-b", "Your delivery ref 456123 is on its way", at: 1_001)
        try save("SM-c", "Your delivery ref 1234567 is on its way", at: 1_002)
        try save("SM-d", "Your delivery ref 12 3456 is on its way", at: 1_003)
        func sids(_ text: String, limit: Int = 50) throws -> [String] {
            try wait { store.messages.search(numbers: ["+15005550006"], text: text, digits: "", limit: limit, then: $0) }.map(\.sid)
        }
        XCTAssertEqual(try sids("ref 123456"), ["SM-c", "SM-a"], "ASCII case ignored, only whole-term holders")
        XCTAssertEqual(try sids("ref 123456", limit: 1), ["SM-c"])
        XCTAssertEqual(try sids("ref 9" + sparseDigits(7), limit: 300),
                       (0..<300).reversed().filter { sparseDigits($0).hasPrefix(sparseDigits(7)) }.map { "SM-many-\($0)" },
                       "common trigrams only")
        XCTAssertEqual(try sids("f 12 3"), ["SM-d"], "no window of three letters or digits: the whole term")
        XCTAssertEqual(try sids("delivery", limit: 2), ["SM-d", "SM-c"], "in every text: the newest")
    }

    func checkReadMarksArePerUserAndStatusNeverGoesBack() throws {
        let store = try openStore()
        defer { store.close() }
        let received = try wait { store.messages.save(text("SM10", at: 1), then: $0) }
        let sent = try wait { store.messages.save(text("SM11", direction: .outgoing, status: "queued", at: 2), then: $0) }
        XCTAssertTrue(try wait { store.messages.markRead(threadID: received.message.threadID, user: "alice", then: $0) })
        XCTAssertFalse(try wait { store.messages.markRead(threadID: 999_999, user: "alice", then: $0) })
        XCTAssertEqual(try wait { store.messages.thread(id: received.message.threadID, user: "alice", then: $0) }?.unread, 0)
        XCTAssertEqual(try wait { store.messages.thread(id: received.message.threadID, user: "bob", then: $0) }?.unread, 1)

        let delivered = try wait { store.messages.updateStatus(sid: "SM11", status: "delivered", errorCode: nil, then: $0) }
        XCTAssertEqual(delivered?.status, "delivered")
        XCTAssertNil(try wait { store.messages.updateStatus(sid: "SM11", status: "sent", errorCode: nil, then: $0) })
        XCTAssertNil(try wait { store.messages.updateStatus(sid: "SM404", status: "sent", errorCode: nil, then: $0) })
        XCTAssertEqual(try wait { store.messages.message(sid: sent.message.sid, then: $0) }?.status, "delivered")
        _ = try wait { store.messages.save(text("SM12", direction: .outgoing, status: "queued", at: 3), then: $0) }
        let failed = try wait { store.messages.updateStatus(sid: "SM12", status: "failed", errorCode: 30003, then: $0) }
        XCTAssertEqual(failed?.errorCode, 30003)
    }
}
