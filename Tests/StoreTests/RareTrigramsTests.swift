@testable import Store
import XCTest

/// Which trigrams of a term the indexes are asked for: runs of three ASCII letters or digits, the
/// rarest three by the backend's estimate, and only when together they are rare enough.
final class RareTrigramsTests: XCTestCase {
    func testTheWindowsAreDistinctLowercasedRunsOfLettersAndDigitsSideBySideFirst() {
        XCTAssertEqual(RareTrigrams.windows(of: "Caller 12345, CALLer!"),
                       ["cal", "ler", "123", "345", "all", "lle", "234"])
        XCTAssertEqual(RareTrigrams.windows(of: "Your delivery ref 123456"),
                       ["you", "our", "del", "ive", "ery", "ref", "123", "456", "eli", "liv", "ver", "234"],
                       "every word is looked at before the windows between")
        XCTAssertEqual(RareTrigrams.windows(of: "r 1 2 % _ \"ab\" äöü 12"), [])
        XCTAssertEqual(RareTrigrams.windows(of: "the quick brown fox jumps over the lazy dog").count, RareTrigrams.considered)
    }

    func testTheRarestAreTakenOnceTogetherTheyAreRareEnoughAndNoMoreAreEstimated() throws {
        let shares = ["cal": 1.0, "all": 1.0, "lle": 1.0, "ler": 1.0, "123": 0.004, "234": 0.004, "345": 0.002]
        var asked: [String] = []
        let rare = try XCTUnwrap(RareTrigrams(term: "Caller 12345") { asked.append($0); return shares[$0] ?? 1 })
        XCTAssertEqual(rare.windows, ["345", "123"], "rarest first; a window in most rows is not asked for")
        XCTAssertEqual(asked, ["cal", "ler", "123", "345"], "estimated in order until rare enough")
        XCTAssertNil(RareTrigrams(term: "Caller 12") { shares[$0] ?? 1 }, "common windows only: the whole term")
        XCTAssertNil(RareTrigrams(term: "020 79 12 34") { _ in 0.002 }, "one rare-looking window alone is not enough")
        XCTAssertEqual(RareTrigrams(term: "020 79 12 34") { _ in 0.00001 }?.windows, ["020"], "unless it is rare enough itself")
        asked = []
        XCTAssertEqual(RareTrigrams(term: "zebra crossing") { asked.append($0); return $0 == "bra" ? 0 : 0.5 }?.windows, ["bra"],
                       "a window in no row: no row holds the term")
        XCTAssertEqual(asked, ["zeb", "bra"])
        asked = []
        XCTAssertNil(RareTrigrams(term: "delivery delivered") { asked.append($0); return 0.9 })
        XCTAssertEqual(asked.count, RareTrigrams.estimated, "at most \(RareTrigrams.estimated) estimates")
    }

    func testATermWithoutWindowsIsNotEstimated() {
        var asked = false
        XCTAssertNil(RareTrigrams(term: "+44 20") { _ in asked = true; return 0 })
        XCTAssertFalse(asked)
    }
}
