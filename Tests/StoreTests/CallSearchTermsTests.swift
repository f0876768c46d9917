import XCTest
@testable import Store

/// The digits' candidate query: trigrams side by side that cover every digit, the last ending the text.
final class CallSearchTermsTests: XCTestCase {
    func testCoveringTrigrams() {
        XCTAssertEqual(CallSearchTerms.coveringTrigrams("123", column: "c"), "c : \"123\"")
        XCTAssertEqual(CallSearchTerms.coveringTrigrams("1234", column: "c"), "c : \"123\" AND c : \"234\"")
        XCTAssertEqual(CallSearchTerms.coveringTrigrams("123456", column: "c"), "c : \"123\" AND c : \"456\"")
        XCTAssertEqual(CallSearchTerms.coveringTrigrams("20791234", column: "other_digits"),
                       "other_digits : \"207\" AND other_digits : \"912\" AND other_digits : \"234\"")
    }
}
