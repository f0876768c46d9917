import XCTest
@testable import Phone

/// `[store]`'s keys of the call settler: defaults, values, and errors naming the key and rule.
final class StoreSettingsTests: XCTestCase {
    func settings(_ body: String) throws -> StoreSettings {
        let ini = try IniFile(text: "[store]\n" + body, path: "shetphone.ini")
        return try StoreSettings(section: ini["store"], file: "shetphone.ini", directory: "/etc", stateDir: "/var/lib/shetphone")
    }

    func testSettleBoundsHaveDefaultsAndCanBeSet() throws {
        let defaults = try settings("")
        XCTAssertEqual(defaults.settleRingingSeconds, 900)
        XCTAssertEqual(defaults.settleAnsweredSeconds, 18_000)
        let set = try settings("settle_ringing_seconds = 120\nsettle_answered_seconds = 7200\n")
        XCTAssertEqual(set.settleRingingSeconds, 120)
        XCTAssertEqual(set.settleAnsweredSeconds, 7200)
    }

    func testBadSettleBoundsAreNamed() {
        for (line, expected) in [("settle_ringing_seconds = 0", "[store] settle_ringing_seconds"),
                                 ("settle_answered_seconds = soon", "[store] settle_answered_seconds")] {
            XCTAssertThrowsError(try settings(line + "\n")) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }
}
