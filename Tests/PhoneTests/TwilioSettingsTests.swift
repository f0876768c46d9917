import XCTest
@testable import Phone

final class TwilioSettingsTests: XCTestCase {
    let good = """
        [twilio]
        account_sid = AC0123456789abcdef0123456789abcdef
        auth_token = token
        app_sid = AP0123456789abcdef0123456789abcdef
        api_key_sid = SK0123456789abcdef0123456789abcdef
        api_key_secret = secret
        """

    func settings(_ text: String) throws -> TwilioSettings {
        let ini = try IniFile(text: text, path: "shetphone.ini")
        return try TwilioSettings(section: ini["twilio"], file: "shetphone.ini")
    }

    func testReadsEveryKeyWithDefaults() throws {
        let twilio = try settings(good)
        XCTAssertEqual(twilio.accountSID, "AC0123456789abcdef0123456789abcdef")
        XCTAssertEqual(twilio.apiKeySID, "SK0123456789abcdef0123456789abcdef")
        XCTAssertEqual(twilio.tokenTTL, 3600)
        XCTAssertTrue(twilio.validateSignatures)
        XCTAssertTrue(twilio.issuesAccessTokens)
        let tuned = try settings(good + "\ntoken_ttl = 86400\nvalidate_signatures = false\n")
        XCTAssertEqual(tuned.tokenTTL, 86_400)
        XCTAssertFalse(tuned.validateSignatures)
    }

    func testErrorsNameTheLineAndTheRule() {
        let cases: [(String, String)] = [
            (good.replacingOccurrences(of: "AC0123", with: "AC0x23"),
             "shetphone.ini:2: [twilio] account_sid: \"AC0x23456789abcdef0123456789abcdef\" is not AC followed by 32 hex digits"),
            (good.replacingOccurrences(of: "app_sid = AP", with: "app_sid = SK"),
             "shetphone.ini:4: [twilio] app_sid: \"SK0123456789abcdef0123456789abcdef\" is not AP followed by 32 hex digits"),
            (good.replacingOccurrences(of: "api_key_secret = secret", with: ""),
             "shetphone.ini:5: [twilio] api_key_sid: is set but api_key_secret is missing"),
            (good.replacingOccurrences(of: "auth_token = token\n", with: ""),
             "shetphone.ini:1: [twilio] auth_token is required"),
            (good + "\ntoken_ttl = 30\n", "shetphone.ini:7: [twilio] token_ttl: \"30\" is not a whole number from 60 to 86400"),
            (good + "\nttl = 30\n", "shetphone.ini:7: [twilio] ttl: unknown key"),
            ("[app]\n", "shetphone.ini: [twilio] section is missing"),
        ]
        for (text, expected) in cases {
            XCTAssertThrowsError(try settings(text), expected) { error in
                XCTAssertTrue("\(error)".hasPrefix(expected), "\(error)\n  expected prefix: \(expected)")
            }
        }
    }
}
