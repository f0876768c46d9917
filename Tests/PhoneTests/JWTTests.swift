import XCTest
@testable import Phone

final class JWTTests: XCTestCase {
    func testHMACSHA256MatchesRFC4231TestCase1() {
        let mac = HMAC.sha256(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
        XCTAssertEqual(RequestSignature.hex(mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7")
    }

    func testHMACSHA1MatchesRFC2202TestCase1() {
        let mac = HMAC.sha1(key: [UInt8](repeating: 0x0b, count: 20), message: Array("Hi There".utf8))
        XCTAssertEqual(RequestSignature.hex(mac), "b617318655057264e28bc0b6fb378c8ef146be00")
    }

    func testHMACWithEmptyKeyAndMessage() {
        // RFC 4231 has no empty case; this value is the well-known HMAC-SHA256("", "").
        XCTAssertEqual(RequestSignature.hex(HMAC.sha256(key: [], message: [])),
                       "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad")
        XCTAssertEqual(RequestSignature.hex(HMAC.sha256Digest([])),
                       "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    func testBase64URLHasNoPaddingOrUnsafeCharacters() {
        XCTAssertEqual(Base64.urlEncode([0xfb, 0xff, 0xbf]), "-_-_")
        XCTAssertEqual(Base64.urlEncode(Array("a".utf8)), "YQ")
        XCTAssertEqual(Base64.urlDecode("YQ"), Array("a".utf8))
        XCTAssertEqual(Base64.urlDecode("-_-_"), [0xfb, 0xff, 0xbf])
        XCTAssertNil(Base64.urlDecode("a+b="))
        XCTAssertNil(Base64.urlDecode("abcde"))
    }

    func testSignsTheJWTIOExampleToTheKnownToken() {
        let claims: JSON = ["sub": "1234567890", "name": "John Doe", "iat": 1_516_239_022]
        XCTAssertEqual(
            JWT.signHS256(claims: claims, secret: "your-256-bit-secret"),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ"
                + ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
    }

    func testVerifyRejectsAWrongSecretOrATamperedPayload() throws {
        let token = JWT.signHS256(claims: ["sub": "alice"], secret: "s3cret")
        XCTAssertEqual(JWT.verifyHS256(token, secret: "s3cret")?.claims["sub"], "alice")
        XCTAssertNil(JWT.verifyHS256(token, secret: "other"))
        let parts = token.split(separator: ".").map(String.init)
        let forged = parts[0] + "." + Base64.urlEncode(Array("{\"sub\":\"mallory\"}".utf8)) + "." + parts[2]
        XCTAssertNil(JWT.verifyHS256(forged, secret: "s3cret"))
        XCTAssertNil(JWT.verifyHS256("not.a-token", secret: "s3cret"))
    }
}
