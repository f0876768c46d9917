import XCTest
@testable import Phone

final class PhoneNumberTests: XCTestCase {
    func testParsesWhatPeopleWrite() throws {
        let cases: [(String, Int?, String)] = [
            ("+44 20 7946 0174", nil, "+442079460174"),
            ("+44 (0)20 7946 0174", nil, "+442079460174"),
            ("0044 20 7946-0174", nil, "+442079460174"),
            ("020 7946 0174", 44, "+442079460174"),
            ("07700 900123", 44, "+447700900123"),
            ("(415) 555-0100", 1, "+14155550100"),
            ("1-415-555-0100", 1, "+14155550100"),
            ("011 44 20 7946 0174", 1, "+442079460174"),
            ("06 1234 5678", 39, "+390612345678"),  // Italy keeps its leading 0
            ("8 (912) 345-67-89", 7, "+79123456789"),
            ("+1.415.555.0100", nil, "+14155550100"),
            ("+44\u{A0}7700\u{A0}900123", nil, "+447700900123"),
        ]
        for (text, code, expected) in cases {
            XCTAssertEqual(try PhoneNumber(parsing: text, defaultCallingCode: code).e164, expected, text)
        }
    }

    func testBracketedTrunkZeroIsDroppedOnlyAfterACountryCode() throws {
        XCTAssertEqual(try PhoneNumber(parsing: "0044 (0)7700 900123").e164, "+447700900123")
        XCTAssertThrowsError(try PhoneNumber(parsing: "(0)20 7946 0174", defaultCallingCode: 44))
    }

    func testRefusesWhatIsNotANumber() {
        let bad: [(String, Int?)] = [
            ("", nil), ("+", nil), ("hello", nil), ("+44 20 7946 0174 ext 2", nil), ("020 7946 0174", nil),
            ("+0 123 4567", nil), ("+999 1234567", nil), ("+44 1234 5678 9012 34", nil), ("+44 12", nil),
            ("+1 055 555 0100", nil), ("+1 415 155 0100", nil), ("+1 415 555 010", nil), ("44+2079460174", nil),
            ("1-800-FLOWERS", 1), ("07700 9001", 44), ("+33 1 23 45 67", nil), ("+7 912 345 67", nil), ("+44 20 7946 0174; drop table", nil), ("123456", 999),
        ]
        for (text, code) in bad {
            XCTAssertThrowsError(try PhoneNumber(parsing: text, defaultCallingCode: code), text)
        }
    }

    func testStrictE164WantsThePlusAndDigitsOnly() throws {
        XCTAssertEqual(try PhoneNumber(e164: "+15005550006").e164, "+15005550006")
        XCTAssertThrowsError(try PhoneNumber(e164: "15005550006"))
        XCTAssertThrowsError(try PhoneNumber(e164: "+1 500 555 0006"))
        XCTAssertThrowsError(try PhoneNumber(e164: "client:alice"))
    }

    func testKnownNationalLengthsAreChecked() {
        XCTAssertThrowsError(try PhoneNumber(parsing: "07700 9001", defaultCallingCode: 44)) { error in
            XCTAssertEqual("\(error)", "\"07700 9001\" is not a phone number: it has 8 digits after +44, numbers there have 7 or 9 or 10")
        }
        XCTAssertNoThrow(try PhoneNumber(parsing: "0800 1111", defaultCallingCode: 44))
        XCTAssertNoThrow(try PhoneNumber(parsing: "016977 3456", defaultCallingCode: 44))
    }

    func testErrorNamesTheInputAndTheRule() {
        XCTAssertThrowsError(try PhoneNumber(parsing: "+44 20")) { error in
            XCTAssertEqual("\(error)", "\"+44 20\" is not a phone number: it has 4 digits, E.164 numbers have 7 to 15")
        }
    }

    func testCallingCodeAndRegion() throws {
        let cases: [(String, Int, String?)] = [
            ("+442079460174", 44, "GB"), ("+14155550100", 1, "US"), ("+14165550100", 1, "CA"),
            ("+18765550100", 1, "JM"), ("+17875550100", 1, "PR"), ("+79123456789", 7, "RU"),
            ("+77012345678", 7, "KZ"), ("+35312345678", 353, "IE"), ("+3541234567", 354, "IS"),
            ("+85212345678", 852, "HK"), ("+8613812345678", 86, "CN"), ("+919812345678", 91, "IN"),
            ("+4930123456", 49, "DE"), ("+2712345678", 27, "ZA"), ("+201234567890", 20, "EG"),
            ("+6834002", 683, "NU"), ("+88216123456", 882, nil), ("+80012345678", 800, nil),
            ("+38344123456", 383, "XK"), ("+5999123456", 599, "CW"),
        ]
        for (text, code, region) in cases {
            let number = try PhoneNumber(e164: text)
            XCTAssertEqual(number.countryCallingCode, code, text)
            XCTAssertEqual(number.region, region, text)
        }
    }

    func testCallingCodeTableIsPrefixFree() {
        let codes = CallingCode.assignments.map { String($0.0) }
        for a in codes {
            for b in codes where a != b {
                XCTAssertFalse(b.hasPrefix(a), "\(a) is a prefix of \(b)")
            }
        }
        XCTAssertEqual(Set(codes).count, codes.count, "a calling code is listed twice")
        XCTAssertEqual(CallingCode.codeForRegion["GB"], 44)
        XCTAssertEqual(CallingCode.codeForRegion["CA"], 1)
        XCTAssertEqual(CallingCode.codeForRegion["JE"], 44)
        XCTAssertEqual(CallingCode.codeForRegion["KZ"], 7)
        XCTAssertEqual(CallingCode.codeForRegion["US"], 1)
    }

    func testCallerIDMatchesTheDestinationsCountry() throws {
        let uk = try PhoneNumber(e164: "+442079460174")
        let us = try PhoneNumber(e164: "+14155550100")
        let ca = try PhoneNumber(e164: "+16045550100")
        let mine = [uk, us, ca]
        XCTAssertEqual(CallerIDSelector.select(from: mine, for: try PhoneNumber(e164: "+447700900123")), uk)
        XCTAssertEqual(CallerIDSelector.select(from: mine, for: try PhoneNumber(e164: "+12125550100")), us)
        XCTAssertEqual(CallerIDSelector.select(from: mine, for: try PhoneNumber(e164: "+14165550100")), ca)
        XCTAssertEqual(CallerIDSelector.select(from: [uk, us], for: try PhoneNumber(e164: "+14165550100")), us)
        XCTAssertEqual(CallerIDSelector.select(from: mine, for: try PhoneNumber(e164: "+33123456789")), uk)
        XCTAssertNil(CallerIDSelector.select(from: [], for: uk))
    }
}
