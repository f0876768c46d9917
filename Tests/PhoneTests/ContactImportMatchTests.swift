import Store
import XCTest
@testable import Phone

/// The rule that keeps a second import of the same file from adding anyone twice.
final class ContactImportMatchTests: XCTestCase {
    private func draft(_ name: String, _ numbers: String...) -> ContactDraft {
        ContactDraft(owner: .user("alice"), name: name, numbers: numbers.map { ContactNumber(number: $0) })
    }

    func testTheSameNameAndASharedNumberIsAlreadyKept() {
        var match = ContactImportMatch(existing: [draft("John Smith", "+447700900123", "+442079460018")])
        XCTAssertFalse(match.isNew(draft("John Smith", "+447700900123")))
        XCTAssertFalse(match.isNew(draft("  JOHN \t smith ", "+442079460018", "+447700900555")), "case and spacing do not count")
        XCTAssertTrue(match.isNew(draft("John Smith", "+447700900999")), "a namesake with other numbers is someone else")
        XCTAssertTrue(match.isNew(draft("Jon Smith", "+447700900123")), "another name on the same number is someone else")
    }

    func testTwinsInOneFileAreKeptOnce() {
        var match = ContactImportMatch(existing: [])
        XCTAssertTrue(match.isNew(draft("Ann", "+447700900111")))
        XCTAssertFalse(match.isNew(draft("ann", "+447700900111")))
        XCTAssertTrue(match.isNew(draft("Bob", "+447700900111")))
    }

    func testNameKey() {
        XCTAssertEqual(ContactImportMatch.nameKey("  Máire\u{A0} Ó  BRIAIN\n"), "máire ó briain")
    }
}
