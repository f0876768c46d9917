import XCTest
@testable import Phone

final class JSONTests: XCTestCase {
    func testObjectsKeepKeyOrderAndAreCompact() {
        let value: JSON = ["b": 1, "a": [true, false, nil], "c": ["x": "y"], "d": 1.5]
        XCTAssertEqual(value.text, "{\"b\":1,\"a\":[true,false,null],\"c\":{\"x\":\"y\"},\"d\":1.5}")
    }

    func testStringsEscapeQuotesBackslashesControlsAndLineSeparators() {
        XCTAssertEqual(JSON.quoted("a\"b\\c/d"), "\"a\\\"b\\\\c/d\"")
        XCTAssertEqual(JSON.quoted("\n\r\t\u{8}\u{C}"), "\"\\n\\r\\t\\b\\f\"")
        XCTAssertEqual(JSON.quoted("\u{0}\u{1}\u{1F}\u{7F}"), "\"\\u0000\\u0001\\u001f\\u007f\"")
        XCTAssertEqual(JSON.quoted("\u{2028}\u{2029}"), "\"\\u2028\\u2029\"")
        XCTAssertEqual(JSON.quoted("é☎😀"), "\"é☎😀\"")
    }

    func testNumbersWithoutAJSONFormBecomeNull() {
        XCTAssertEqual(JSON.double(.nan).text, "null")
        XCTAssertEqual(JSON.double(.infinity).text, "null")
        XCTAssertEqual(JSON.double(30).text, "30")
        XCTAssertEqual(JSON.int(-7).text, "-7")
    }

    func testWrittenTextParsesBackToTheSameValue() throws {
        let value: JSON = ["s": .string("line\u{2028}\"quoted\"\u{0}\u{1F}😀"), "n": -12, "f": 0.25, "a": [[], [:]], "z": nil]
        XCTAssertEqual(try JSONParser.parse(value.text), value)
        // And Foundation reads it the same way.
        let object = try JSONSerialization.jsonObject(with: Data(value.text.utf8)) as? [String: Any]
        XCTAssertEqual(object?["s"] as? String, "line\u{2028}\"quoted\"\u{0}\u{1F}😀")
    }

    func testParsesARequestBody() throws {
        let body = try JSONParser.parse(" {\"minutes\": 30, \"note\": \"x\\u00e9\\ud83d\\ude00\"} \n")
        XCTAssertEqual(body["minutes"]?.intValue, 30)
        XCTAssertEqual(body["note"]?.stringValue, "xé😀")
        XCTAssertEqual(try JSONParser.parse("{\"minutes\":30.0}")["minutes"]?.intValue, 30)
        XCTAssertNil(try JSONParser.parse("{\"minutes\":30.5}")["minutes"]?.intValue)
        XCTAssertNil(try JSONParser.parse("{\"minutes\":\"30\"}")["minutes"]?.intValue)
        XCTAssertEqual(try JSONParser.parse("true"), .bool(true))
        XCTAssertEqual(try JSONParser.parse("1e2"), .double(100))
    }

    func testRefusesWhatRFC8259Refuses() {
        let bad = [
            "", "{", "{\"a\":1,}", "[1,]", "{a:1}", "{'a':1}", "01", "-", "1.", ".5", "1e", "+1", "NaN", "Infinity",
            "\"\u{1}\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"", "\"\\udc00\"", "\"abc", "[1 2]", "{\"a\" 1}", "tru",
            "nul", "1 2", "{}x", "[\"\\ud83d\\u0041\"]",
        ]
        for text in bad {
            XCTAssertThrowsError(try JSONParser.parse(text), text)
        }
        XCTAssertThrowsError(try JSONParser.parse([0x22, 0xFF, 0x22]))  // invalid UTF-8
    }

    func testDeepNestingIsRefused() {
        let deep = String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000)
        XCTAssertThrowsError(try JSONParser.parse(deep)) { error in
            XCTAssertTrue("\(error)".contains("nesting"), "\(error)")
        }
        let ok = String(repeating: "[", count: 32) + String(repeating: "]", count: 32)
        XCTAssertNoThrow(try JSONParser.parse(ok))
    }

    func testDuplicateKeysReadTheLastLikeBrowsers() throws {
        XCTAssertEqual(try JSONParser.parse("{\"a\":1,\"a\":2}")["a"], 2)
    }

    func testErrorNamesTheByteOffset() {
        XCTAssertThrowsError(try JSONParser.parse("{\"a\":1,}")) { error in
            XCTAssertEqual("\(error)", "invalid JSON at byte 7: an object key must be a string")
        }
    }
}
