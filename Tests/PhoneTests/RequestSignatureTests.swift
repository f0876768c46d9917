import XCTest
@testable import Phone

final class RequestSignatureTests: XCTestCase {
    let signature = RequestSignature(authToken: "12345")
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2"
    let params = [("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"),
                  ("From", "+12349013030"), ("To", "+18005551212")]

    // Expected values computed by twilio-python 9.x `RequestValidator.compute_signature`.

    func testSignatureMatchesTwilioPython() {
        XCTAssertEqual(signature.expected(url: url, parameters: params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        XCTAssertEqual(signature.expected(url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters: params),
                       "EpDEmp1PyjDYp77YxYU3GILBWzE=")
    }

    func testParameterOrderDoesNotMatterAndNamesSortByteWise() {
        XCTAssertEqual(signature.expected(url: url, parameters: params.reversed()), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=")
        let unicode = [("Body", "héllo ☎"), ("Zeta", "1"), ("alpha", "2"), ("Alpha", "3")]
        XCTAssertEqual(signature.expected(url: "http://example.com/status", parameters: unicode), "+SAf/KUnkdyh4iCh7WasHOtyUEs=")
    }

    func testValidWithOrWithoutTheDefaultPort() {
        XCTAssertTrue(signature.isValid(signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=", url: url, parameters: params))
        // Twilio signed with :443 but we rebuilt the URL without it, and the other way round.
        XCTAssertTrue(signature.isValid(signature: "EpDEmp1PyjDYp77YxYU3GILBWzE=", url: url, parameters: params))
        XCTAssertTrue(signature.isValid(signature: "0/KCTR6DLpKmkAf8muzZqo1nDgQ=",
                                        url: "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters: params))
    }

    func testChangedParameterURLOrTokenIsInvalid() {
        let good = "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        var changed = params
        changed[2] = ("Digits", "1235")
        XCTAssertFalse(signature.isValid(signature: good, url: url, parameters: changed))
        XCTAssertFalse(signature.isValid(signature: good, url: url, parameters: params + [("Extra", "1")]))
        XCTAssertFalse(signature.isValid(signature: good, url: url.replacingOccurrences(of: "foo=1", with: "foo=2"), parameters: params))
        XCTAssertFalse(RequestSignature(authToken: "12346").isValid(signature: good, url: url, parameters: params))
        XCTAssertFalse(RequestSignature(authToken: "").isValid(signature: good, url: url, parameters: params))
        XCTAssertFalse(signature.isValid(signature: "", url: url, parameters: params))
        XCTAssertFalse(signature.isValid(signature: String(good.dropLast()), url: url, parameters: params))
    }

    func testURLFormsHandlePortsUserInfoAndIPv6() {
        XCTAssertEqual(RequestSignature.urlForms("https://example.com/voice"),
                       ["https://example.com/voice", "https://example.com:443/voice"])
        XCTAssertEqual(RequestSignature.urlForms("http://example.com?x=1"),
                       ["http://example.com?x=1", "http://example.com:80?x=1"])
        XCTAssertEqual(RequestSignature.urlForms("https://example.com:8443/voice"),
                       ["https://example.com/voice", "https://example.com:8443/voice"])
        XCTAssertEqual(RequestSignature.urlForms("https://user:pw@example.com/v"),
                       ["https://user:pw@example.com/v", "https://user:pw@example.com:443/v"])
        XCTAssertEqual(RequestSignature.urlForms("http://[::1]:8080/v"), ["http://[::1]/v", "http://[::1]:8080/v"])
        XCTAssertEqual(RequestSignature.urlForms("http://[::1]/v"), ["http://[::1]/v", "http://[::1]:80/v"])
    }

    func testJSONBodyIsCheckedThroughBodySHA256() {
        let body = Array("{\"property\": \"value\", \"boolean\": true}".utf8)
        let signed = "https://mycompany.com/myapp.php?bodySHA256=0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620"
        XCTAssertEqual(signature.expected(url: signed, parameters: []), "y77kIzt2vzLz71DgmJGsen2scGs=")
        XCTAssertTrue(signature.isValid(signature: "y77kIzt2vzLz71DgmJGsen2scGs=", url: signed, body: body))
        XCTAssertFalse(signature.isValid(signature: "y77kIzt2vzLz71DgmJGsen2scGs=", url: signed, body: body + [0x20]))
        XCTAssertFalse(signature.isValid(signature: "y77kIzt2vzLz71DgmJGsen2scGs=", url: "https://mycompany.com/myapp.php", body: body))
    }

    func testRepeatedIdenticalPairCountsOnce() {
        XCTAssertEqual(signature.expected(url: url, parameters: params + [("Digits", "1234")]),
                       signature.expected(url: url, parameters: params))
    }

    func testSharedKeySHA256MatchesTwilioPython() {
        let shared = RequestSignature(key: "12345", algorithm: .hmacSHA256)
        XCTAssertEqual(shared.expected(url: url, parameters: params), "Rmm4Vzj+Ky7JGoWXMCsZDZuHDszLr9xvdbvitrDr4/M=")
        XCTAssertTrue(shared.isValid(signature: "Rmm4Vzj+Ky7JGoWXMCsZDZuHDszLr9xvdbvitrDr4/M=", url: url, parameters: params))
        XCTAssertFalse(signature.isValid(signature: "Rmm4Vzj+Ky7JGoWXMCsZDZuHDszLr9xvdbvitrDr4/M=", url: url, parameters: params))
    }

    /// Repeated names, repeated values and canonically equivalent but different bytes
    /// (`é` and `e` + combining acute): as twilio-python signs a MultiDict.
    func testRepeatedNamesAndEquivalentUnicodeSignAsTwilioPython() {
        let form = [("b", "2"), ("a", "z"), ("é", "x"), ("b", "1"), ("e\u{301}", "w"), ("a", "y"), ("b", "2")]
        XCTAssertEqual(signature.expected(url: "http://x/s", parameters: form), "C48QiUpajiPduePiNuKbK2UgFf0=")
    }

    func testSignedParameterBytesAreNamesThenValuesInByteOrder() {
        let bytes = RequestSignature.signedParameterBytes([("b", "2"), ("a", "z"), ("b", "1"), ("a", "z"), ("B", "0")])
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), "B0azb1b2")
        XCTAssertEqual(RequestSignature.signedParameterBytes([]), [])
    }
}
