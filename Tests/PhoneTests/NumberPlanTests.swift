import XCTest
@testable import Phone

final class NumberPlanTests: XCTestCase {
    func plan(_ text: String, allowed: [String] = []) throws -> NumberPlan {
        try NumberPlan(ini: IniFile(text: text, path: "shetphone.ini"), allowedCountries: allowed, allowedCountriesLine: 3)
    }

    func testClientsAreNumbersTurnedAroundWhenAbsent() throws {
        let plan = try plan("""
            [numbers]
            +44 20 7946 0174 = alice, bob
            +1 415 555 0100 = alice
            """)
        XCTAssertEqual(plan.users(answering: try PhoneNumber(e164: "+442079460174")), ["alice", "bob"])
        XCTAssertEqual(plan.callerIDs(of: "alice").map(\.e164), ["+442079460174", "+14155550100"])
        XCTAssertEqual(plan.callerIDs(of: "bob").map(\.e164), ["+442079460174"])
        XCTAssertEqual(plan.users, ["alice", "bob"])
        XCTAssertEqual(plan.numbers(of: "alice").map(\.e164), ["+442079460174", "+14155550100"])
        XCTAssertEqual(plan.allowedRegions, ["GB", "US"])
    }

    func testClientsSectionGivesCallerIDsInOrder() throws {
        let plan = try plan("""
            [numbers]
            +442079460174 = alice
            [clients]
            alice = +1 415 555 0100, +44 20 7946 0174
            carol = +14155550100 +447700900123
            """)
        XCTAssertEqual(plan.callerIDs(of: "alice").map(\.e164), ["+14155550100", "+442079460174"])
        XCTAssertEqual(plan.callerIDs(of: "carol").map(\.e164), ["+14155550100", "+447700900123"])
        XCTAssertTrue(plan.isOurs(try PhoneNumber(e164: "+447700900123")))
        XCTAssertEqual(plan.numbers(of: "alice").map(\.e164), ["+14155550100", "+442079460174"])
        XCTAssertTrue(plan.isKnown(user: "carol"))
        XCTAssertFalse(plan.isKnown(user: "mallory"))
    }

    func testAllowedCountriesGuardAgainstTollFraud() throws {
        let plan = try plan("[numbers]\n+14155550100 = alice\n", allowed: ["us", "GB"])
        XCTAssertTrue(plan.allowsCall(to: try PhoneNumber(e164: "+12125550100")))
        XCTAssertTrue(plan.allowsCall(to: try PhoneNumber(e164: "+447700900123")))
        XCTAssertFalse(plan.allowsCall(to: try PhoneNumber(e164: "+18765550100")), "Jamaica shares +1 but is not the US")
        XCTAssertFalse(plan.allowsCall(to: try PhoneNumber(e164: "+16045550100")), "Canada was not allowed")
        XCTAssertFalse(plan.allowsCall(to: try PhoneNumber(e164: "+88216123456")), "satellite numbers have no country")
    }

    func testErrorsNameFileLineAndEntry() {
        let cases: [(String, [String], String)] = [
            ("[numbers]\n+44 20 = alice\n", [], "shetphone.ini:2: [numbers] +44 20: \"+44 20\" is not a phone number: it has 4 digits"),
            ("[numbers]\n+442079460174 = alice, alice\n", [], "shetphone.ini:2: [numbers] +442079460174: user alice is listed twice"),
            ("[numbers]\n+442079460174 =\n", [], "shetphone.ini:2: [numbers] +442079460174: name at least one user"),
            ("[numbers]\n+442079460174 = a\n+44 20 7946 0174 = b\n", [], "shetphone.ini:3: [numbers] +44 20 7946 0174: +442079460174 is already listed on line 2"),
            ("[clients]\na\u{85}b = +442079460174\n", [], "shetphone.ini:2: [clients] a\u{85}b: a user name cannot contain spaces or control characters"),
            ("[clients]\nalice = 020 7946 0174\n", [], "shetphone.ini:2: [clients] alice: \"020 7946 0174\" is not a phone number: it has no country code"),
            ("[clients]\nalice =\n", [], "shetphone.ini:2: [clients] alice: list at least one caller ID"),
            ("[numbers]\n+442079460174 = a\n", ["ZZ"], "shetphone.ini:3: [app] allowed_countries: \"ZZ\" is not a country"),
        ]
        for (text, allowed, expected) in cases {
            XCTAssertThrowsError(try plan(text, allowed: allowed), text) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error)\n  expected prefix: \(expected)")
            }
        }
    }
}
