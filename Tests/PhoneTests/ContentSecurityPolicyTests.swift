@testable import Phone
import Web
import XCTest

final class ContentSecurityPolicyTests: XCTestCase {
    func testScriptsFromSelfAndOnlyTheSDKsOrigin() {
        XCTAssertTrue(ContentSecurityPolicy(sdkURL: "vendor/twilio.min.js").header.contains("script-src 'self';"))
        let remote = ContentSecurityPolicy(sdkURL: "https://cdn.example.com/sdk/twilio.min.js?v=2")
        XCTAssertTrue(remote.header.contains("script-src 'self' https://cdn.example.com;"), remote.header)
        XCTAssertFalse(remote.header.contains("unsafe-inline"))
    }

    func testOnlyHTMLWithoutAPolicyOfItsOwnGetsIt() {
        let policy = ContentSecurityPolicy(sdkURL: "vendor/twilio.min.js")
        XCTAssertEqual(policy.applied(to: .html("<p>")).headers["Content-Security-Policy"], policy.header)
        XCTAssertNil(policy.applied(to: .json("{}")).headers["Content-Security-Policy"])
        var own = Response.html("<p>")
        own.headers.set("Content-Security-Policy", "default-src 'none'")
        XCTAssertEqual(policy.applied(to: own).headers["Content-Security-Policy"], "default-src 'none'")
    }
}
