import XCTest
@testable import Phone

final class CapabilityTokenTests: XCTestCase {
    func testScopeIsEncodedLikeTwilioPython() throws {
        // Same inputs as twilio-python's ClientCapabilityToken gives
        // "scope:client:incoming?clientName=alice__b scope:client:outgoing?appSid=AP1%2B3&clientName=alice__b".
        let token = try CapabilityToken(accountSID: "AC123", authToken: "tok", incomingClientName: "alice__b",
                                        outgoingApplicationSID: "AP1+3")
        XCTAssertEqual(token.scope,
                       "scope:client:incoming?clientName=alice__b scope:client:outgoing?appSid=AP1%2B3&clientName=alice__b")
        XCTAssertThrowsError(try CapabilityToken(accountSID: "AC123", authToken: "tok", incomingClientName: "alice+b&c",
                                                 outgoingApplicationSID: "AP123"))
        XCTAssertEqual(FormEncoding.component("alice b&c/ü~"), "alice+b%26c%2F%C3%BC~")
    }

    func testClaimsAreSignedWithTheAuthToken() throws {
        let token = try CapabilityToken(accountSID: "AC123", authToken: "tok", incomingClientName: "alice",
                                        outgoingApplicationSID: "AP123", ttl: 300)
        let (header, claims) = try XCTUnwrap(JWT.verifyHS256(token.jwt(issuedAt: 50), secret: "tok"))
        XCTAssertEqual(header, ["alg": "HS256", "typ": "JWT"])
        XCTAssertEqual(claims, [
            "scope": "scope:client:incoming?clientName=alice scope:client:outgoing?appSid=AP123&clientName=alice",
            "iss": "AC123", "nbf": 50, "exp": 350,
        ])
    }

    func testOutgoingOnlyHasNoClientName() throws {
        let token = try CapabilityToken(accountSID: "AC1", authToken: "t", incomingClientName: nil, outgoingApplicationSID: "AP9")
        XCTAssertEqual(token.scope, "scope:client:outgoing?appSid=AP9")
    }

    func testSettingsWithoutAPIKeyIssueCapabilityTokens() throws {
        let settings = try TwilioSettings(accountSID: "AC" + String(repeating: "0", count: 32), authToken: "auth",
                                          appSID: "AP" + String(repeating: "0", count: 32))
        XCTAssertFalse(settings.issuesAccessTokens)
        let issued = try settings.browserToken(identity: "demo", now: 10)
        let claims = try XCTUnwrap(JWT.verifyHS256(issued.token, secret: "auth")).claims
        XCTAssertEqual(claims["scope"]?.stringValue?.hasPrefix("scope:client:incoming?clientName=demo "), true)
        XCTAssertEqual(issued.expires, 3610)
    }

    func testBadClientNameOrEmptyTokenIsRefused() {
        XCTAssertThrowsError(try CapabilityToken(accountSID: "AC1", authToken: "t", incomingClientName: "a b", outgoingApplicationSID: nil))
        XCTAssertThrowsError(try CapabilityToken(accountSID: "AC1", authToken: "", incomingClientName: "a", outgoingApplicationSID: nil))
    }
}
