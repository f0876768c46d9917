@testable import Phone
import XCTest

final class IniTranslationTests: XCTestCase {
    let credentials = [
        "TWILIO_ACCOUNT_SID": "AC" + String(repeating: "a", count: 32),
        "TWILIO_AUTH_TOKEN": "test-auth-token-0123456789abcdef",
        "TWILIO_APP_SID": "AP" + String(repeating: "b", count: 32),
    ]

    func load(_ name: String, environment: [String: String] = [:]) throws -> ShetphoneConfig {
        try ShetphoneConfig.load(path: ConfigFixtures.path(name), environment: { environment[$0] })
    }

    func messages(_ config: ShetphoneConfig) -> [String] { config.notes.map { "\($0.kind.rawValue): \($0.message)" } }

    func testOriginalShetphoneIniLoadsAsItIs() throws {
        let config = try load("original-shetphone.ini")
        XCTAssertEqual(config.twilio?.appSID, "AP" + String(repeating: "b", count: 32))
        XCTAssertEqual(config.twilio?.accountSID, "AC" + String(repeating: "a", count: 32))
        XCTAssertEqual(config.plan.lines.map(\.users), [["alice"]])
        XCTAssertEqual(config.server.server.listen.map(\.description), ["unix:/tmp/shetphone.sock"])
        XCTAssertEqual(config.server.server.socketMode, 0o666)
        XCTAssertEqual(config.app.basePath, "/shetphone")
        let notes = messages(config)
        XCTAssertTrue(notes.contains("translated: [twilio] application_sid is read as app_sid"), "\(notes)")
        XCTAssertEqual(notes.filter { $0.hasPrefix("ignored: [app] secret_key") }.count, 1, "\(notes)")
        XCTAssertEqual(notes.filter { $0.hasPrefix("ignored: [app] debug") }.count, 1, "\(notes)")
        XCTAssertTrue(notes.contains("translated: [uwsgi] http-socket = /tmp/shetphone.sock becomes [server] listen = unix:/tmp/shetphone.sock"), "\(notes)")
        XCTAssertTrue(notes.contains("translated: [uwsgi] chmod-socket = 666 becomes [server] socket_mode = 0666"), "\(notes)")
        XCTAssertTrue(notes.contains("translated: [uwsgi] mount = /shetphone=shetphone.app:app becomes [app] base_path = /shetphone"), "\(notes)")
        for key in ["master", "gevent", "http-websockets", "manage-script-name", "vacuum"] {
            XCTAssertEqual(notes.filter { $0.hasPrefix("ignored: [uwsgi] \(key) ") }.count, 1, "\(key): \(notes)")
        }
        // Every note points at its line in the file.
        XCTAssertTrue(config.notes.allSatisfy { $0.line > 0 }, "\(config.notes)")
    }

    func testOlderFormTakesCredentialsFromTheEnvironment() throws {
        let config = try load("original-shetphone-env.ini", environment: credentials)
        XCTAssertEqual(config.twilio?.authToken, "test-auth-token-0123456789abcdef")
        XCTAssertEqual(config.plan.lines.first?.number.e164, "+442079460174")
        XCTAssertEqual(config.plan.callerIDs.first?.user, "alice")
        let notes = messages(config)
        XCTAssertTrue(notes.contains("translated: [shetphone:numbers] is read as [numbers]"), "\(notes)")
        XCTAssertTrue(notes.contains("translated: [shetphone:clients] is read as [clients]"), "\(notes)")
        for (variable, key) in [("TWILIO_ACCOUNT_SID", "account_sid"), ("TWILIO_AUTH_TOKEN", "auth_token"), ("TWILIO_APP_SID", "app_sid")] {
            XCTAssertTrue(notes.contains("translated: [twilio] \(key) is taken from the environment variable \(variable)"), "\(notes)")
        }
        // The secret itself is never in a note.
        XCTAssertFalse(config.notes.contains { $0.description.contains("test-auth-token") })
    }

    func testOlderFormWithoutTheEnvironmentNamesTheMissingSection() {
        XCTAssertThrowsError(try load("original-shetphone-env.ini").requiredTwilio()) { error in
            XCTAssertTrue("\(error)".contains("[twilio] section is missing"), "\(error)")
        }
    }

    func testEnvironmentFillsOnlyKeysTheFileLacks() throws {
        let text = "[twilio]\naccount_sid = AC" + String(repeating: "1", count: 32) + "\nauth_token = from-file\n"
        let config = try ShetphoneConfig(text: text, path: "shetphone.ini", environment: { self.credentials[$0] })
        XCTAssertEqual(config.twilio?.authToken, "from-file")
        XCTAssertEqual(config.twilio?.accountSID, "AC" + String(repeating: "1", count: 32))
        XCTAssertEqual(config.twilio?.appSID, "AP" + String(repeating: "b", count: 32))
        XCTAssertEqual(messages(config), ["translated: [twilio] app_sid is taken from the environment variable TWILIO_APP_SID"])
    }

    func testIntercomSeedSettingsLoad() throws {
        let config = try load("intercom-seed.ini")
        XCTAssertEqual(config.intercom.path, "/")
        XCTAssertEqual(config.intercom.grantCode, "YOUR-SUPER-SECRET-GRANT-CODE")
        XCTAssertEqual(config.intercom.dialTimeout, 20)
        XCTAssertEqual(config.intercom.grantMinutes, 30)
        XCTAssertEqual(config.server.server.listen.map(\.description), ["127.0.0.1:8080"])
        let notes = messages(config)
        XCTAssertTrue(notes.contains("warning: [intercom] grant_code: the quotes around the value were removed (values need no quotes)"), "\(notes)")
        XCTAssertTrue(notes.contains("translated: [intercom] timeout_seconds is read as dial_timeout"), "\(notes)")
        XCTAssertTrue(notes.contains("ignored: [global] environment means nothing now (Shetphone is its own server)"), "\(notes)")
    }

    func testOldAndNewNamesTogetherAreRefused() {
        let twice = "[twilio]\napp_sid = AP" + String(repeating: "b", count: 32) + "\napplication_sid = AP" + String(repeating: "c", count: 32) + "\n"
        XCTAssertThrowsError(try ShetphoneConfig(text: twice, path: "x.ini", environment: { _ in nil })) { error in
            XCTAssertEqual("\(error)", "x.ini:3: [twilio] application_sid and app_sid (line 2) mean the same; keep only app_sid")
        }
        let sections = "[numbers]\n+442079460174 = alice\n[shetphone:numbers]\n+442079460175 = bob\n"
        XCTAssertThrowsError(try ShetphoneConfig(text: sections, path: "x.ini", environment: { _ in nil })) { error in
            XCTAssertEqual("\(error)", "x.ini:3: [shetphone:numbers] and [numbers] (line 1) are the same section; keep only [numbers]")
        }
    }

    func testUWSGIAddressesBecomeListenAddresses() {
        XCTAssertEqual(IniTranslation.listenAddress(uwsgi: "/tmp/shetphone.sock"), "unix:/tmp/shetphone.sock")
        XCTAssertEqual(IniTranslation.listenAddress(uwsgi: ":9090"), "0.0.0.0:9090")
        XCTAssertEqual(IniTranslation.listenAddress(uwsgi: "127.0.0.1:9090"), "127.0.0.1:9090")
    }

    func testServerSectionWinsOverUWSGI() throws {
        let text = "[server]\nlisten = 127.0.0.1:9000\n[uwsgi]\nsocket = /tmp/x.sock\n[twilio]\n"
            + "account_sid = AC" + String(repeating: "1", count: 32) + "\nauth_token = t\napp_sid = AP" + String(repeating: "1", count: 32) + "\n"
        let config = try ShetphoneConfig(text: text, path: "x.ini", environment: { _ in nil })
        XCTAssertEqual(config.server.server.listen.map(\.description), ["127.0.0.1:9000"])
        XCTAssertEqual(messages(config), ["ignored: [uwsgi] socket is left out: [server] listen is set"])
    }
}
