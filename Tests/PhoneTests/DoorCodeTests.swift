import XCTest
@testable import Phone

/// Door codes: the `code[:once][:YYYY-MM-DD]` syntax, UTC day arithmetic and matching.
final class DoorCodeTests: XCTestCase {
    func testPlainOnceAndDatedCodes() throws {
        let plain = try DoorCode(parsing: "4711")
        XCTAssertEqual(plain, DoorCode(digits: "4711"))
        let once = try DoorCode(parsing: "2580:once")
        XCTAssertTrue(once.singleUse)
        XCTAssertNil(once.expiresAt)
        let dated = try DoorCode(parsing: "9999:2026-12-31")
        XCTAssertEqual(dated.expiresAt, 1_798_761_600)  // 2027-01-01T00:00:00Z
        let both = try DoorCode(parsing: "123:2024-02-29:once")
        XCTAssertTrue(both.singleUse)
        XCTAssertEqual(both.expiresAt, 1_709_251_200)  // 2024-03-01T00:00:00Z
        XCTAssertEqual(both.description, "123:once:2024-02-29")
    }

    func testTheCodeWorksUntilTheEndOfItsDayUTC() throws {
        let code = try DoorCode(parsing: "9999:2026-12-31")
        XCTAssertFalse(code.hasExpired(at: 1_798_761_599))
        XCTAssertTrue(code.hasExpired(at: 1_798_761_600))
    }

    func testMalformedCodesAreRefusedWithTheRule() {
        let cases: [(String, String)] = [
            ("12", "a door code is 3 to 12 digits"),
            ("1234567890123", "a door code is 3 to 12 digits"),
            ("12a4", "a door code is 3 to 12 digits"),
            ("١٢٣٤", "a door code is 3 to 12 digits"),  // Arabic-Indic digits are not keypad digits
            ("1234:", "\"\" is neither once nor a date"),
            ("1234:once:once", "says once twice"),
            ("1234:2026-01-01:2026-01-02", "has two dates"),
            ("1234:2025-02-29", "is neither once nor a date"),
            ("1234:2026-13-01", "is neither once nor a date"),
            ("1234:26-12-31", "is neither once nor a date"),
            ("1234:2026-1-31", "is neither once nor a date"),
        ]
        for (text, rule) in cases {
            XCTAssertThrowsError(try DoorCode(parsing: text), text) { error in
                XCTAssertTrue("\(error)".contains(rule), "\(text): \(error)")
            }
        }
    }

    func testCalendarArithmeticRoundTrips() {
        XCTAssertEqual(DoorCode.daysFromCivil(year: 1970, month: 1, day: 1), 0)
        XCTAssertEqual(DoorCode.daysFromCivil(year: 2000, month: 3, day: 1), 11_017)
        for days in stride(from: 0, to: 40_000, by: 37) {
            let (y, m, d) = DoorCode.civil(fromDays: days)
            XCTAssertEqual(DoorCode.daysFromCivil(year: y, month: m, day: d), days)
        }
        XCTAssertEqual(DoorCode.dayText(1_798_761_599), "2026-12-31")
        XCTAssertNil(DoorCode.dayAfter("2100-02-29"))
        XCTAssertNotNil(DoorCode.dayAfter("2000-02-29"))
    }

    func testMaskingShowsOnlyTheFirstTwoDigits() {
        XCTAssertEqual(DoorCode(digits: "4711").masked, "47**")
        XCTAssertEqual(DoorCode(digits: "123").masked, "12*")
    }

    func testMatchingTellsValidExpiredUsedAndWrongApart() throws {
        let codes = try DoorCodes(parsing: ["4711", "2580:once", "9999:2026-12-31"])
        let now = 1_800_000_000
        XCTAssertEqual(codes.match("4711", usedCodes: [], now: now), .valid(DoorCode(digits: "4711")))
        XCTAssertEqual(codes.match("2580", usedCodes: [], now: now), .valid(DoorCode(digits: "2580", singleUse: true)))
        XCTAssertEqual(codes.match("2580", usedCodes: ["2580"], now: now), .used(DoorCode(digits: "2580", singleUse: true)))
        XCTAssertEqual(codes.match("9999", usedCodes: [], now: now), .expired(DoorCode(digits: "9999", expiresAt: 1_798_761_600)))
        XCTAssertEqual(codes.match("9999", usedCodes: [], now: 1_798_000_000), .valid(DoorCode(digits: "9999", expiresAt: 1_798_761_600)))
        for wrong in ["4712", "471", "47111", "", "4711#", "used"] {
            XCTAssertEqual(codes.match(wrong, usedCodes: [], now: now), .wrong, wrong)
        }
        XCTAssertEqual(DoorCodes().match("4711", usedCodes: [], now: now), .wrong)
    }
}
