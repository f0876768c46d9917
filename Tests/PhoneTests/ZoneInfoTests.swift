@testable import Phone
import XCTest

final class ZoneInfoTests: XCTestCase {
    // 2026-07-01 12:00 UTC and 2026-01-15 12:00 UTC.
    let summer = 1_782_907_200
    let winter = 1_768_478_400

    func testLondonInSummerAndWinter() throws {
        let london = try ZoneInfo(named: "Europe/London")
        XCTAssertEqual(london.text(summer), "2026-07-01 13:00 BST")
        XCTAssertEqual(london.text(winter), "2026-01-15 12:00 GMT")
        XCTAssertEqual(london.isoText(summer), "2026-07-01T13:00:00+01:00")
    }

    func testNewYorkAndKolkata() throws {
        XCTAssertEqual(try ZoneInfo(named: "America/New_York").text(summer), "2026-07-01 08:00 EDT")
        XCTAssertEqual(try ZoneInfo(named: "America/New_York").isoText(winter), "2026-01-15T07:00:00-05:00")
        XCTAssertEqual(try ZoneInfo(named: "Asia/Kolkata").text(winter), "2026-01-15 17:30 IST")
    }

    func testFooterRuleCoversTimesAfterTheLastTransition() throws {
        // The footer alone (no transitions), as a slim zoneinfo file would leave it for 2040.
        let rule = try XCTUnwrap(ZoneInfo(name: "rule-only", transitions: [], types: [.init(offset: 0, abbreviation: "GMT", isDST: false)],
                                          rule: ZoneRule(posix: "GMT0BST,M3.5.0/1,M10.5.0")))
        // 2040-07-01 12:00 UTC; 2040-03-25 00:59 and 01:00 UTC (last Sunday of March, 01:00 UTC).
        XCTAssertEqual(rule.text(2_224_756_800), "2040-07-01 13:00 BST")
        XCTAssertEqual(rule.text(2_216_249_940), "2040-03-25 00:59 GMT")
        XCTAssertEqual(rule.text(2_216_250_000), "2040-03-25 02:00 BST")
        let southern = ZoneInfo(name: "s", transitions: [], types: [.init(offset: 36_000, abbreviation: "AEST", isDST: false)],
                                rule: ZoneRule(posix: "AEST-10AEDT,M10.1.0,M4.1.0/3"))
        XCTAssertEqual(southern.text(2_224_756_800), "2040-07-01 22:00 AEST")
        XCTAssertEqual(southern.text(2_209_640_400), "2040-01-09 00:00 AEDT")
    }

    func testBadNamesAreRefused() {
        for name in ["../etc/passwd", "Europe/../../x", "", "/etc/localtime", "Nowhere/Atlantis"] {
            XCTAssertThrowsError(try ZoneInfo(named: name), name)
        }
        XCTAssertThrowsError(try ZoneInfo(name: "x", tzif: Array("TZif2".utf8))) { error in
            XCTAssertEqual("\(error)", "the zoneinfo file is cut short")
        }
    }

    func testTimezoneKeyIsCheckedAtLoad() throws {
        let base = "[twilio]\naccount_sid = AC" + String(repeating: "1", count: 32) + "\nauth_token = t\napp_sid = AP" + String(repeating: "1", count: 32) + "\n"
        let config = try ShetphoneConfig(text: "[app]\ntimezone = Europe/London\n" + base, path: "x.ini", environment: { _ in nil })
        XCTAssertEqual(config.app.timeZone.name, "Europe/London")
        XCTAssertThrowsError(try ShetphoneConfig(text: "[app]\ntimezone = Mars/Olympus\n" + base, path: "x.ini", environment: { _ in nil })) { error in
            XCTAssertTrue("\(error)".hasPrefix("x.ini:2: [app] timezone: \"Mars/Olympus\" is not a time zone known to this system"), "\(error)")
        }
    }
}
