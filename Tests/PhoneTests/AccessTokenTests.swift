import XCTest
@testable import Phone

final class AccessTokenTests: XCTestCase {
    let account = "AC" + String(repeating: "a", count: 32)
    let key = "SK" + String(repeating: "b", count: 32)
    let app = "AP" + String(repeating: "c", count: 32)

    func testTokenHasTwilioHeaderClaimsAndVoiceGrant() throws {
        let token = try AccessToken(accountSID: account, apiKeySID: key, apiKeySecret: "secret", identity: "alice",
                                    voice: VoiceGrant(incomingAllow: true, outgoingApplicationSID: app), ttl: 600)
        let jwt = token.jwt(issuedAt: 1_700_000_000)
        let (header, claims) = try XCTUnwrap(JWT.verifyHS256(jwt, secret: "secret"))
        XCTAssertEqual(header, ["alg": "HS256", "typ": "JWT", "cty": "twilio-fpa;v=1"])
        XCTAssertEqual(claims["jti"], .string("\(key)-1700000000"))
        XCTAssertEqual(claims["iss"], .string(key))
        XCTAssertEqual(claims["sub"], .string(account))
        XCTAssertEqual(claims["iat"], 1_700_000_000)
        XCTAssertEqual(claims["nbf"], 1_700_000_000)
        XCTAssertEqual(claims["exp"], 1_700_000_600)
        XCTAssertEqual(claims["grants"], [
            "identity": "alice",
            "voice": ["incoming": ["allow": true], "outgoing": ["application_sid": .string(app)]],
        ])
        XCTAssertEqual(token.expires(issuedAt: 1_700_000_000), 1_700_000_600)
    }

    func testGrantWithoutIncomingOrOutgoingLeavesThemOut() {
        XCTAssertEqual(VoiceGrant(incomingAllow: false, outgoingApplicationSID: nil).json.text, "{}")
        XCTAssertEqual(VoiceGrant(incomingAllow: false, outgoingApplicationSID: "AP1", outgoingApplicationParams: [("a", "b")]).json.text,
                       "{\"outgoing\":{\"application_sid\":\"AP1\",\"params\":{\"a\":\"b\"}}}")
    }

    func testIdentityOutsideTheSDKRuleIsRefused() {
        for bad in ["", "al ice", "a<b", "a\"b", "a#b", "a%b", "a|b", "a\u{1}b", "alice.smith-2@home", "zoë",
                    String(repeating: "x", count: 122)] {
            XCTAssertThrowsError(try AccessToken(accountSID: account, apiKeySID: key, apiKeySecret: "s", identity: bad,
                                                 voice: VoiceGrant(outgoingApplicationSID: app)), bad)
        }
        XCTAssertNoThrow(try AccessToken(accountSID: account, apiKeySID: key, apiKeySecret: "s", identity: ClientIdentity.of("alice.smith-2@home"),
                                         voice: VoiceGrant(outgoingApplicationSID: app)))
    }

    func testLifetimeOutsideOneMinuteToOneDayIsRefused() {
        for ttl in [0, 59, 86_401, -5] {
            XCTAssertThrowsError(try AccessToken(accountSID: account, apiKeySID: key, apiKeySecret: "s", identity: "alice",
                                                 voice: VoiceGrant(outgoingApplicationSID: app), ttl: ttl)) { error in
                XCTAssertTrue("\(error)".contains("60...86400"), "\(error)")
            }
        }
        XCTAssertNoThrow(try AccessToken(accountSID: account, apiKeySID: key, apiKeySecret: "s", identity: "alice",
                                         voice: VoiceGrant(outgoingApplicationSID: app), ttl: 86_400))
    }

    func testSettingsIssueAccessTokenWhenAnAPIKeyIsConfigured() throws {
        let settings = try TwilioSettings(accountSID: account, authToken: "auth", apiKeySID: key, apiKeySecret: "keysecret", appSID: app, tokenTTL: 120)
        let issued = try settings.browserToken(identity: "bob", now: 1000)
        XCTAssertEqual(issued.expires, 1120)
        XCTAssertEqual(issued.json.text, "{\"identity\":\"bob\",\"token\":\"\(issued.token)\",\"expires\":1120}")
        let claims = try XCTUnwrap(JWT.verifyHS256(issued.token, secret: "keysecret")).claims
        XCTAssertEqual(claims["grants"]?["identity"], "bob")
    }

    /// Prints a token for fixed inputs; `Tests/integration/test_twilio.py` holds the same
    /// inputs and checks them with the `twilio` library. Run with SHETPHONE_PRINT_TOKENS=1.
    func testFixedTokenForCrossCheck() throws {
        let token = try AccessToken(accountSID: account, apiKeySID: key, apiKeySecret: "cross-check-secret", identity: "alice",
                                    voice: VoiceGrant(outgoingApplicationSID: app), ttl: 3600)
        let jwt = token.jwt(issuedAt: 1_700_000_000)
        if ProcessInfo.processInfo.environment["SHETPHONE_PRINT_TOKENS"] != nil { print("ACCESS_TOKEN=\(jwt)") }
        XCTAssertNotNil(JWT.verifyHS256(jwt, secret: "cross-check-secret"))
    }
}
