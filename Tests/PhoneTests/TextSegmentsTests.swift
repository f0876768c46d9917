@testable import Phone
import XCTest

/// Segment counts against the GSM 03.38 / UCS-2 limits Twilio documents (160/153 septets, 70/67 units).
final class TextSegmentsTests: XCTestCase {
    func check(_ text: String, _ encoding: TextSegments.Encoding, units: Int, segments: Int, line: UInt = #line) {
        let counted = TextSegments(text)
        XCTAssertEqual(counted.encoding, encoding, line: line)
        XCTAssertEqual(counted.units, units, line: line)
        XCTAssertEqual(counted.segments, segments, line: line)
    }

    func testGSM7FillsOneSegmentWith160AndSplitsIntoPartsOf153() {
        check("", .gsm7, units: 0, segments: 0)
        check("Hello, world!", .gsm7, units: 13, segments: 1)
        check(String(repeating: "a", count: 160), .gsm7, units: 160, segments: 1)
        check(String(repeating: "a", count: 161), .gsm7, units: 161, segments: 2)
        check(String(repeating: "a", count: 306), .gsm7, units: 306, segments: 2)
        check(String(repeating: "a", count: 307), .gsm7, units: 307, segments: 3)
        check("Ünïcödé? no: Ñ, ß, å, Δ and £5 are all GSM", .ucs2, units: 42, segments: 1)
        check("Ñ ß å Δ £ ¥ è é ù ì ò Ç Ø Æ ¿ ¡ §", .gsm7, units: 33, segments: 1)
    }

    func testExtensionCharactersCostTwoSeptetsAndAreNeverSplit() {
        check(String(repeating: "€", count: 80), .gsm7, units: 160, segments: 1)
        check(String(repeating: "€", count: 81), .gsm7, units: 162, segments: 2)
        check("{[~]}|^\\", .gsm7, units: 16, segments: 1)
        // 152 septets, then an escape pair that would straddle the 153-septet boundary: it starts part two.
        check(String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 7), .gsm7, units: 161, segments: 2)
        check(String(repeating: "a", count: 152) + String(repeating: "€", count: 77), .gsm7, units: 306, segments: 3)
    }

    func testAnyOtherCharacterMakesTheWholeTextUCS2() {
        check(String(repeating: "ж", count: 70), .ucs2, units: 70, segments: 1)
        check(String(repeating: "ж", count: 71), .ucs2, units: 71, segments: 2)
        check(String(repeating: "ж", count: 134), .ucs2, units: 134, segments: 2)
        check(String(repeating: "ж", count: 135), .ucs2, units: 135, segments: 3)
        check("Meet at 5 ✓", .ucs2, units: 11, segments: 1)
        // An emoji is two UTF-16 units and is not split between parts.
        check(String(repeating: "😀", count: 35), .ucs2, units: 70, segments: 1)
        check(String(repeating: "😀", count: 36), .ucs2, units: 72, segments: 2)
        check(String(repeating: "a", count: 66) + "😀" + "a", .ucs2, units: 69, segments: 1)
        check(String(repeating: "a", count: 66) + String(repeating: "😀", count: 3), .ucs2, units: 72, segments: 2)
    }

    func testTwilioErrorCodesInWords() {
        XCTAssertEqual(TwilioMessageError.describe(21610), "the recipient replied STOP and receives no texts from this number")
        for code in [21211, 21408, 21610, 30003, 30004, 30005, 30006, 30007, 30008] {
            XCTAssertNotNil(TwilioMessageError.words(code), "\(code)")
        }
        XCTAssertEqual(TwilioMessageError.describe(12345), "Twilio error 12345")
    }
}
