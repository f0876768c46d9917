import XCTest
@testable import Phone

final class NoticesTests: XCTestCase {
    func testHookSignatureIsHMACSHA256OfTimestampDotBody() {
        // Reference value: python3 -c 'import hmac,hashlib;print(hmac.new(b"s3cret",b"1700000000.{}",hashlib.sha256).hexdigest())'
        let signature = HookSignature(secret: "s3cret", timestamp: 1_700_000_000, body: Array("{}".utf8))
        XCTAssertEqual(signature.headerValue, "t=1700000000,v1=" + signature.digest)
        XCTAssertEqual(signature.digest, "97926816e98fbb41ccb1673225ff29a2f35369099990e1b1561651e7bd097ebf")
        XCTAssertNotEqual(signature.digest, HookSignature(secret: "s3cret", timestamp: 1_700_000_001, body: Array("{}".utf8)).digest)
    }

    func testEmailHeadersCannotBeInjectedAndNonASCIISubjectsAreEncoded() {
        let message = EmailMessage(from: "Shetphone <phone@example.com>", to: ["alice@example.com"],
                                   subject: "Voicemail from Zoë\r\nBcc: evil@example.com", body: "Hallo\n",
                                   date: 0, messageID: "id@shetphone")
        let text = String(decoding: message.rendered, as: UTF8.self)
        let head = text.components(separatedBy: "\r\n\r\n")[0]
        XCTAssertFalse(head.contains("\r\nBcc:"), head)
        XCTAssertTrue(head.contains("Subject: =?UTF-8?B?"), head)
        XCTAssertTrue(head.contains("Date: Thu, 01 Jan 1970 00:00:00 GMT"))
        XCTAssertTrue(text.hasSuffix("SGFsbG8K\r\n"), "body is base64 of the UTF-8 text")
    }

    func testEmailAddressesAreCheckedAndNamedFromsParsed() {
        XCTAssertEqual(EmailAddress.parse("Shetphone <phone@example.com>"), "phone@example.com")
        XCTAssertEqual(EmailAddress.parse("phone@example.com"), "phone@example.com")
        XCTAssertNil(EmailAddress.parse("phone@example.com>\r\nRCPT TO:<x@y.z"))
        XCTAssertFalse(EmailAddress.isValid("no-at-sign"))
        XCTAssertFalse(EmailAddress.isValid("a b@example.com"))
    }

    func testSMTPSettingsDefaultPortFollowsSecurityAndErrorsNameTheKey() throws {
        let ini = try IniFile(text: "[smtp]\nhost = mail.example.com\nsecurity = tls\nfrom = phone@example.com\n", path: "t.ini")
        let smtp = try XCTUnwrap(SMTPSettings.load(section: ini["smtp"], file: "t.ini"))
        XCTAssertEqual(smtp.server.url, "smtps://mail.example.com:465")
        let bad = try IniFile(text: "[smtp]\nhost = h\nsecurity = ssl\nfrom = p@e.com\n", path: "t.ini")
        XCTAssertThrowsError(try SMTPSettings.load(section: bad["smtp"], file: "t.ini")) { error in
            XCTAssertEqual("\(error)", "t.ini:3: [smtp] security: \"ssl\" is not starttls, tls or none")
        }
        let half = try IniFile(text: "[smtp]\nhost = h\nuser = u\nfrom = p@e.com\n", path: "t.ini")
        XCTAssertThrowsError(try SMTPSettings.load(section: half["smtp"], file: "t.ini")) { error in
            XCTAssertEqual("\(error)", "t.ini:3: [smtp] user is set but password is missing")
        }
    }

    func testEmailOptInNeedsAnAddress() throws {
        let ini = try IniFile(text: "[email]\nalice = alice@example.com\nmissed_calls = alice bob\n", path: "t.ini")
        XCTAssertThrowsError(try EmailSettings(section: ini["email"], file: "t.ini")) { error in
            XCTAssertEqual("\(error)", "t.ini:3: [email] missed_calls: bob has no address (add bob = name@example.com)")
        }
    }

    func testHookDeliveryKeepsItsIdAndSignsTheExactBody() {
        let delivery = HookDelivery(id: "d1", kind: "call.missed", url: "https://h.example/x", data: ["from": "+15005550006"], created: 5)
        XCTAssertEqual(String(decoding: delivery.body, as: UTF8.self),
                       #"{"id":"d1","type":"call.missed","created":5,"data":{"from":"+15005550006"}}"#)
        let request = delivery.request(secret: "0123456789abcdef", now: 9, timeoutSeconds: 3)
        let header = request.headers.first { $0.name == HookSignature.header }?.value
        XCTAssertEqual(header, HookSignature(secret: "0123456789abcdef", timestamp: 9, body: delivery.body).headerValue)
        XCTAssertTrue(request.safeToRepeat)
    }
}
