import XCTest
@testable import Web

final class URLEncodingTests: XCTestCase {
    private func pairs(_ items: [(String, String)]) -> [String] { items.map { "\($0.0)=\($0.1)" } }

    private func assertBadEscape(_ text: String, _ escape: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try URLEncoding.decodeForm(text), file: file, line: line) { error in
            guard let error = error as? URLEncodingError else { return XCTFail("\(error)", file: file, line: line) }
            XCTAssertEqual(error.rule, .badEscape(escape), file: file, line: line)
            XCTAssertEqual(error.status, .badRequest, file: file, line: line)
            XCTAssertTrue(error.message.contains(escape), error.message, file: file, line: line)
        }
    }

    func testPlusIsSpaceInForms() throws {
        XCTAssertEqual(pairs(try URLEncoding.decodeForm("name=Alice+B&x=a+%2B+b")), ["name=Alice B", "x=a + b"])
    }

    func testPlusStaysPlusWithoutPlusAsSpace() throws {
        XCTAssertEqual(try URLEncoding.percentDecode("+44%20"), "+44 ")
        XCTAssertEqual(try URLEncoding.percentDecode("+44", plusAsSpace: true), " 44")
    }

    func testPercentEscapesDecodeToUTF8() throws {
        XCTAssertEqual(try URLEncoding.percentDecode("%41%e2%82%AC%2f"), "A€/")
    }

    func testNonASCIITextPassesThrough() throws {
        XCTAssertEqual(pairs(try URLEncoding.decodeForm("city=Zürich")), ["city=Zürich"])
    }

    func testBadHexEscapeIsRejectedNamingIt() {
        assertBadEscape("code=%G1", "%G1")
        assertBadEscape("code=%1G", "%1G")
    }

    func testTruncatedEscapeIsRejected() {
        assertBadEscape("a=%4", "%4")
        assertBadEscape("a=%4&b=1", "%4")
        assertBadEscape("a=%", "%")
        assertBadEscape("%zz=1", "%zz")
    }

    func testInvalidUTF8AfterDecodingIsRejected() {
        XCTAssertThrowsError(try URLEncoding.decodeForm("a=%FF%FE")) { error in
            XCTAssertEqual((error as? URLEncodingError)?.rule, .invalidUTF8)
            XCTAssertTrue((error as? URLEncodingError)?.message.contains("a=%FF%FE") ?? false)
        }
        XCTAssertThrowsError(try URLEncoding.decodeForm("a=%C3"), "a lone lead byte is not UTF-8")
    }

    func testInvalidUTF8BodyBytesAreRejected() {
        XCTAssertThrowsError(try URLEncoding.decodeForm(bytes: [0x61, 0x3D, 0xFF]))
    }

    func testEmptyPairsAreSkippedAndNameWithoutEqualsHasEmptyValue() throws {
        XCTAssertEqual(pairs(try URLEncoding.decodeForm("&a=1&&flag&b=")), ["a=1", "flag=", "b="])
        XCTAssertTrue(try URLEncoding.decodeForm("").isEmpty)
    }

    func testValueMayContainEquals() throws {
        XCTAssertEqual(pairs(try URLEncoding.decodeForm("token=ab==")), ["token=ab=="])
    }

    func testDuplicateNamesAreKeptInOrder() throws {
        XCTAssertEqual(pairs(try URLEncoding.decodeForm("n=1&n=2")), ["n=1", "n=2"])
    }

    func testEncodeComponentKeepsOnlyUnreserved() {
        XCTAssertEqual(URLEncoding.encodeComponent("a-b_c.d~e"), "a-b_c.d~e")
        XCTAssertEqual(URLEncoding.encodeComponent("+44 20/€&="), "%2B44%2020%2F%E2%82%AC%26%3D")
    }

    func testEncodeFormRoundTrips() throws {
        let items = [("next", "/dial?x=1&y=2"), ("name", "Zoë + Ann")]
        let decoded = try URLEncoding.decodeForm(URLEncoding.encodeForm(items))
        XCTAssertEqual(pairs(decoded), pairs(items))
    }

    func testQueryItemsAndValueComeFromTheRawQuery() throws {
        let request = makeRoutedRequest("GET", "/grant?code=a%2Bb&x=1+2&code=second")
        XCTAssertEqual(pairs(try request.queryItems()), ["code=a+b", "x=1 2", "code=second"])
        XCTAssertEqual(try request.queryValue("code"), "a+b")
        XCTAssertNil(try request.queryValue("missing"))
        XCTAssertTrue(try makeRoutedRequest("GET", "/").queryItems().isEmpty)
    }

    func testFormItemsNeedFormContentType() throws {
        let body = Array("To=%2B4420&Body=hi+there".utf8)
        let form = makeRoutedRequest("POST", "/status",
                                     headers: [("content-type", "Application/X-WWW-Form-URLEncoded ; charset=utf-8")],
                                     body: body)
        XCTAssertEqual(try form.formValue("To"), "+4420")
        XCTAssertEqual(try form.formValue("Body"), "hi there")

        for contentType in [nil, "text/plain", "multipart/form-data; boundary=x"] {
            let headers = contentType.map { [("Content-Type", $0)] } ?? []
            let request = makeRoutedRequest("POST", "/status", headers: headers, body: body)
            XCTAssertThrowsError(try request.formItems()) { error in
                guard let error = error as? UnsupportedContentTypeError else { return XCTFail("\(error)") }
                XCTAssertEqual(error.status, .unsupportedMediaType)
                XCTAssertEqual(error.received, contentType)
            }
        }
    }
}
