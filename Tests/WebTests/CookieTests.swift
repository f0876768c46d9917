import XCTest
@testable import Web

final class CookieTests: XCTestCase {
    func testCookieHeaderIsParsedIntoNameValue() {
        let cookies = Cookies(header: "sid=abc123; theme=dark;lang=en-GB")
        XCTAssertEqual(cookies["sid"], "abc123")
        XCTAssertEqual(cookies["theme"], "dark")
        XCTAssertEqual(cookies["lang"], "en-GB")
        XCTAssertEqual(cookies.count, 3)
    }

    func testQuotedValueIsUnquotedAndEmptyValueKept() {
        let cookies = Cookies(header: "a=\"quoted\"; b=")
        XCTAssertEqual(cookies["a"], "quoted")
        XCTAssertEqual(cookies["b"], "")
    }

    func testMalformedPairsAreSkipped() {
        let cookies = Cookies(header: "novalue; =empty; bad name=1; ctl=a\u{01}b; ok=1; q=a\"b; ;;")
        XCTAssertEqual(cookies.values, ["ok": "1"])
    }

    func testFirstCookieOfANameWins() {
        XCTAssertEqual(Cookies(header: "sid=specific; sid=general")["sid"], "specific")
    }

    func testParsingIsBoundedByCount() {
        let header = (0..<200).map { "c\($0)=v" }.joined(separator: "; ")
        let cookies = Cookies(header: header, maxCount: 10)
        XCTAssertEqual(cookies.count, 10)
        XCTAssertNil(cookies["c10"])
    }

    func testRequestCookiesReadEveryCookieHeader() {
        let request = makeRoutedRequest("GET", "/", headers: [("Cookie", "a=1"), ("cookie", "b=2")])
        XCTAssertEqual(request.cookies["a"], "1")
        XCTAssertEqual(request.cookies["b"], "2")
        XCTAssertNil(makeRoutedRequest("GET", "/").cookies["a"])
    }

    func testSetCookieRendersEveryAttribute() throws {
        let cookie = try SetCookie(name: "sid", value: "abc", path: "/shetphone", domain: "example.org", maxAge: 3600,
                                   expires: 784_111_777, httpOnly: true, secure: true, sameSite: .strict)
        XCTAssertEqual(cookie.headerValue,
                       "sid=abc; Path=/shetphone; Domain=example.org; Max-Age=3600; "
                       + "Expires=Sun, 06 Nov 1994 08:49:37 GMT; Secure; HttpOnly; SameSite=Strict")
    }

    func testSetCookieDefaultsAreHttpOnlyLaxRootPath() throws {
        XCTAssertEqual(try SetCookie(name: "a", value: "b").headerValue, "a=b; Path=/; HttpOnly; SameSite=Lax")
    }

    func testRemovalCookieExpiresAtOnce() throws {
        XCTAssertEqual(try SetCookie.removal(name: "sid").headerValue,
                       "sid=; Path=/; Max-Age=0; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly; SameSite=Lax")
    }

    func testCookieValueWithSeparatorsOrControlsIsRejected() {
        for value in ["a;b", "a,b", "a b", "a\tb", "a\u{7F}", "a\"b", "a\\b", "a\r\nSet-Cookie: x=y", "é"] {
            XCTAssertThrowsError(try SetCookie(name: "sid", value: value), value.debugDescription) { error in
                XCTAssertEqual((error as? CookieError)?.field, "value")
            }
        }
    }

    func testCookieNameMustBeAToken() {
        for name in ["", "a b", "a=b", "a;b", "a(b)"] {
            XCTAssertThrowsError(try SetCookie(name: name, value: "v"), name.debugDescription)
        }
    }

    func testAttributeInjectionThroughPathIsRejected() {
        XCTAssertThrowsError(try SetCookie(name: "a", value: "b", path: "/; Domain=evil.example"))
        XCTAssertThrowsError(try SetCookie(name: "a", value: "b", domain: ""))
    }

    func testSameSiteNoneRequiresSecure() throws {
        XCTAssertThrowsError(try SetCookie(name: "a", value: "b", sameSite: SetCookie.SameSite.none))
        XCTAssertNoThrow(try SetCookie(name: "a", value: "b", secure: true, sameSite: SetCookie.SameSite.none))
    }

    func testResponseCanCarrySeveralCookies() throws {
        var response = Response.redirect(to: "/")
        response.setCookie(try SetCookie(name: "a", value: "1"))
        response.setCookie(try SetCookie(name: "b", value: "2"))
        XCTAssertEqual(response.headers.values("Set-Cookie").count, 2)
    }
}
