import Phone
import XCTest

final class IniEditTests: XCTestCase {
    func testSettingKeepsCommentsReplacesAliasesAndAppendsAfterTheLastEntry() {
        let text = """
            ; mine
            [twilio]
            account_sid = AC1   ; from the console
            application_sid = AP-old

            [numbers]
            +442079460174 = alice
            """
        let edited = IniEdit.setting([("app_sid", "AP-new"), ("api_key_sid", "SK1")], in: "twilio", of: text,
                                     aliases: ["app_sid": ["application_sid"]])
        XCTAssertEqual(edited, """
            ; mine
            [twilio]
            account_sid = AC1   ; from the console
            app_sid = AP-new
            api_key_sid = SK1

            [numbers]
            +442079460174 = alice
            """)
    }

    func testAMissingSectionIsAddedAtTheEnd() {
        XCTAssertEqual(IniEdit.setting([("app_sid", "AP1")], in: "twilio", of: "[app]\nbase_path = /x\n"),
                       "[app]\nbase_path = /x\n\n[twilio]\napp_sid = AP1\n")
    }
}
