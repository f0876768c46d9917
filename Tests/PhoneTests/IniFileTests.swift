import Phone
import XCTest

final class IniFileTests: XCTestCase {
    func testInlineCommentsAfterWhitespaceAreComments() throws {
        let ini = try IniFile(text: """
            [numbers] ; ours
            +442079460174 = alice bob      ; calls to this number ring alice's and bob's browsers
            [intercom]
            open_digits = #9
            door_codes = 4711#2 # the back door
            no_answer_message = Sorry;we are out
            """, path: "x.ini")
        XCTAssertEqual(ini["numbers"]?.value("+442079460174"), "alice bob")
        XCTAssertEqual(ini["intercom"]?.value("open_digits"), "#9")
        XCTAssertEqual(ini["intercom"]?.value("door_codes"), "4711#2")
        XCTAssertEqual(ini["intercom"]?.value("no_answer_message"), "Sorry;we are out")
        XCTAssertTrue(ini.notes.isEmpty)
    }

    func testQuotedValuesLoseTheirQuotesWithANote() throws {
        let ini = try IniFile(text: """
            [intercom]
            grant_code = "SECRET ; not a comment"   ; a comment
            dial = '+15552223333'
            [app]
            no_answer_message = "Sorry," she said
            """, path: "x.ini")
        XCTAssertEqual(ini["intercom"]?.value("grant_code"), "SECRET ; not a comment")
        XCTAssertEqual(ini["intercom"]?.value("dial"), "+15552223333")
        XCTAssertEqual(ini["app"]?.value("no_answer_message"), "\"Sorry,\" she said")
        XCTAssertEqual(ini.notes.map(\.description), [
            "x.ini:2: warning: [intercom] grant_code: the quotes around the value were removed (values need no quotes)",
            "x.ini:3: warning: [intercom] dial: the quotes around the value were removed (values need no quotes)",
        ])
    }

    func testMoreThanTenBrowsersOnANumberIsAConfigError() {
        let users = (1...11).map { "user\($0)" }.joined(separator: " ")
        XCTAssertThrowsError(try NumberPlan(ini: IniFile(text: "[numbers]\n+442079460174 = \(users)\n", path: "x.ini"))) { error in
            XCTAssertTrue("\(error)".hasPrefix("x.ini:2: [numbers] +442079460174: 11 users: Twilio rings at most 10 browsers"), "\(error)")
        }
        let ten = (1...10).map { "user\($0)" }.joined(separator: " ")
        XCTAssertNoThrow(try NumberPlan(ini: IniFile(text: "[numbers]\n+442079460174 = \(ten)\n", path: "x.ini")))
    }
}
