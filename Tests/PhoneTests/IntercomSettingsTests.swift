import XCTest
@testable import Phone

/// `[intercom]` parsing: defaults, every key, and errors that name file and line.
final class IntercomSettingsTests: XCTestCase {
    private func settings(_ lines: String) throws -> IntercomSettings {
        let ini = try IniFile(text: "[app]\n\n[intercom]\n" + lines, path: "shetphone.ini")
        return try IntercomSettings(section: ini["intercom"], file: "shetphone.ini")
    }

    /// The error text for `lines` (the first one is line 4 of the file).
    private func error(_ lines: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try settings(lines)
            XCTFail("\(lines.debugDescription) was accepted", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testWithoutTheSectionEverythingHasItsDefault() throws {
        let settings = try IntercomSettings(section: nil, file: "shetphone.ini")
        XCTAssertEqual(settings, IntercomSettings())
        XCTAssertEqual(settings.path, "/intercom")
        XCTAssertNil(settings.grantCode)
        XCTAssertEqual(settings.grantMinutes, 60)
        XCTAssertEqual(settings.maxGrantMinutes, 720)
        XCTAssertEqual(settings.openDigits, "ww9", "waits a second before the tone")
        XCTAssertEqual(settings.warnings, [])
        XCTAssertNil(settings.expectedFrom)
        XCTAssertNil(settings.dial)
        XCTAssertEqual(settings.ringClients, [])
        XCTAssertTrue(settings.doorCodes.isEmpty)
    }

    func testEveryKeyIsRead() throws {
        let settings = try settings("""
            path = /door/
            grant_code = 0123456789ab
            grant_minutes = 45
            max_grant_minutes = 90
            open_digits = w9W#*
            expected_from = +442079460999
            dial = +447700900123
            ring_clients = alice, bob
            door_codes = 4711 2580:once 9999:2026-12-31
            """)
        XCTAssertEqual(settings.path, "/door")
        XCTAssertEqual(settings.grantCode, "0123456789ab")
        XCTAssertEqual(settings.grantMinutes, 45)
        XCTAssertEqual(settings.maxGrantMinutes, 90)
        XCTAssertEqual(settings.openDigits, "w9ww#*", "W is not in <Play digits>: two w")
        XCTAssertEqual(settings.warnings, ["shetphone.ini:8: [intercom] open_digits: <Play digits> knows only w (half a second); played w9W#* as w9ww#*"])
        XCTAssertEqual(settings.expectedFrom?.e164, "+442079460999")
        XCTAssertEqual(settings.dial?.e164, "+447700900123")
        XCTAssertEqual(settings.ringClients, ["alice", "bob"])
        XCTAssertEqual(settings.doorCodes.codes.map(\.description), ["4711", "2580:once", "9999:2026-12-31"])
        XCTAssertEqual(settings.doorCodes.length, 4)
    }

    func testTheExampleConfigsIntercomSectionIsValid() throws {
        // Every key of shetphone.ini.example, uncommented.
        let settings = try settings("""
            path = /intercom
            expected_from = +442079460999
            dial = +447700900123
            ring_clients = alice
            grant_code = a-long-random-secret
            grant_minutes = 60
            max_grant_minutes = 720
            open_digits = 9
            door_codes = 4711 2580:once
            """)
        XCTAssertEqual(settings.doorCodes.codes.count, 2)
    }

    func testErrorsNameTheFileTheLineAndTheRule() {
        let cases: [(String, String)] = [
            ("grant_code = too-short", "shetphone.ini:4: [intercom] grant_code: is too short (9 characters)"),
            ("\ngrant_code = with a space inside", "shetphone.ini:5: [intercom] grant_code: may not contain spaces"),
            ("open_digits = 9x", "shetphone.ini:4: [intercom] open_digits: \"x\" is not a DTMF digit"),
            ("open_digits = ", "shetphone.ini:4: [intercom] open_digits: needs at least one digit"),
            ("dial = 07700900123", "shetphone.ini:4: [intercom] dial: \"07700900123\" is not a phone number"),
            ("dial = +44 7700 900123", "shetphone.ini:4: [intercom] dial:"),
            ("expected_from = +4412", "shetphone.ini:4: [intercom] expected_from:"),
            ("grant_minutes = 0", "shetphone.ini:4: [intercom] grant_minutes: \"0\" is not a whole number from 1 to 10080"),
            ("max_grant_minutes = lots", "shetphone.ini:4: [intercom] max_grant_minutes:"),
            ("max_grant_minutes = 30\ngrant_minutes = 45", "shetphone.ini:5: [intercom] grant_minutes: 45 is longer than max_grant_minutes (30)"),
            ("max_grant_minutes = 30", "shetphone.ini:4: [intercom] max_grant_minutes: 30 is shorter than grant_minutes (60)"),
            ("ring_clients = alice al\u{A0}ce", "shetphone.ini:4: [intercom] ring_clients: \"al"),
            ("ring_clients = alice alice", "shetphone.ini:4: [intercom] ring_clients: \"alice\" is listed twice"),
            ("door_codes = 4711 12345", "shetphone.ini:4: [intercom] door_codes: \"12345\": has 5 digits but 47** has 4"),
            ("door_codes = 12", "shetphone.ini:4: [intercom] door_codes: \"12\": a door code is 3 to 12 digits"),
            ("door_codes = 4711 4711:once", "shetphone.ini:4: [intercom] door_codes: \"4711:once\": this code is listed twice"),
            ("door_codes = 4711:2026-02-30", "shetphone.ini:4: [intercom] door_codes: \"4711:2026-02-30\": \"2026-02-30\" is neither once nor a date"),
            ("door_codes = 4711:twice", "shetphone.ini:4: [intercom] door_codes: \"4711:twice\""),
            ("path = intercom", "shetphone.ini:4: [intercom] path: \"intercom\" must be a path like /intercom"),
            ("path = /voice", "shetphone.ini:4: [intercom] path: /voice is used by another part of Shetphone"),
            ("path = /api/door", "shetphone.ini:4: [intercom] path: /api/door is used by another part"),
            ("path = /a/../b", "shetphone.ini:4: [intercom] path:"),
            ("open_door = 9", "shetphone.ini:4: [intercom] open_door: unknown key (known: path, grant_code"),
        ]
        for (lines, expected) in cases {
            let message = error(lines)
            XCTAssertTrue(message.hasPrefix(expected), "\(lines.debugDescription): got \(message.debugDescription)")
        }
    }
}
