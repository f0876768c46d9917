import Foundation
import XCTest
@testable import Phone

/// vCard 3.0 / 4.0 and CSV address books, from Tests/Fixtures/contacts/ (written by hand
/// from the examples of RFC 6350 §8 and RFC 2426 §7, and in the shape of phones' exports).
final class ContactFileTests: XCTestCase {
    private func fixture(_ name: String, file: StaticString = #filePath) throws -> String {
        let folder = URL(fileURLWithPath: "\(file)").deletingLastPathComponent().deletingLastPathComponent()
        return try String(contentsOf: folder.appendingPathComponent("Fixtures/contacts/\(name)"), encoding: .utf8)
    }

    private func contacts(_ result: Result<[Contact], ContactImportError>, file: StaticString = #filePath,
                          line: UInt = #line) -> [Contact] {
        switch result {
        case .success(let contacts): return contacts
        case .failure(let error):
            XCTFail("import failed:\n\(error)", file: file, line: line)
            return []
        }
    }

    private func rows(_ result: Result<[Contact], ContactImportError>, file: StaticString = #filePath,
                      line: UInt = #line) -> [String] {
        switch result {
        case .success(let contacts):
            XCTFail("imported \(contacts.count) contacts from a broken file", file: file, line: line)
            return []
        case .failure(let error): return error.rows.map(\.description)
        }
    }

    private func summary(_ contacts: [Contact]) -> [String] {
        contacts.map { contact in
            "\(contact.name): " + contact.numbers.map { "\($0.label)=\($0.number.e164)" }.joined(separator: " ")
        }
    }

    func testTheRFC6350ExampleCardReadsItsNameAndBothTelURIs() throws {
        let read = contacts(ContactFile.read(try fixture("rfc6350-section8.vcf")))
        XCTAssertEqual(summary(read), ["Simon Perreault: work=+14186569254 work=+14182626501"])
    }

    func testTheRFC2426ExampleCardsInVersion3Read() throws {
        let read = contacts(ContactFile.read(try fixture("rfc2426-section7.vcf")))
        XCTAssertEqual(summary(read), [
            "Frank Dawson: work=+19196769515 fax=+19196769564",
            "Tim Howes: work=+14159373419 fax=+14155284164",
        ])
    }

    func testGroupsEscapesStructuredNamesAndNationalNumbers() throws {
        let read = contacts(ContactFile.read(try fixture("address-book-export.vcf"), defaultCallingCode: 44))
        XCTAssertEqual(summary(read), [
            "John Smith, Jr.: cell=+447700900123 home=+442079460018",
            "Máire Ó Briain: work=+35312345678",
        ])
    }

    func testABrokenVCardFileImportsNothingAndNamesEveryBadCard() throws {
        let reported = rows(ContactFile.read(try fixture("broken.vcf")))
        XCTAssertEqual(reported.count, 4, reported.joined(separator: "\n"))
        XCTAssertTrue(reported[0].hasPrefix("line 9: TEL "), reported[0])
        XCTAssertTrue(reported[0].contains("+44 12"), reported[0])
        XCTAssertEqual(reported[1], "line 11: \"No Number\" has no phone number (TEL)")
        XCTAssertEqual(reported[2], "line 17: VERSION 2.1 is not read (vCard 3.0 or 4.0)")
        XCTAssertEqual(reported[3], "line 21: the card has no END:VCARD")
    }

    func testCSVWithAHeaderTakesEveryNumberColumnAsALabel() throws {
        let read = contacts(ContactFile.read(try fixture("contacts.csv"), defaultCallingCode: 44))
        XCTAssertEqual(summary(read), [
            "Ann Example: cell=+447700900111",
            "Bob, the builder: cell=+442079460222 work=+442079460333",
        ])
    }

    func testABrokenCSVFileImportsNothingAndNamesEveryBadRow() throws {
        let reported = rows(ContactFile.read(try fixture("broken.csv"), defaultCallingCode: 44))
        XCTAssertEqual(reported.count, 4, reported.joined(separator: "\n"))
        XCTAssertEqual(reported[0], "line 5: a quoted field is never closed")
        XCTAssertEqual(reported[1], "line 2: \"No Number\" has no phone number")
        XCTAssertEqual(reported[2], "line 3: no name")
        XCTAssertTrue(reported[3].hasPrefix("line 4: "), reported[3])
    }

    func testLimitsBoundWhatAFileCosts() {
        var limits = ContactLimits()
        limits.maxContacts = 1
        let two = "BEGIN:VCARD\nVERSION:4.0\nFN:A\nTEL:+447700900001\nEND:VCARD\n"
            + "BEGIN:VCARD\nVERSION:4.0\nFN:B\nTEL:+447700900002\nEND:VCARD\n"
        XCTAssertEqual(rows(ContactFile.read(two, limits: limits)), ["line 6: more than 1 contacts in one file"])
        limits.maxFileBytes = 10
        XCTAssertEqual(rows(ContactFile.read(two, limits: limits)).first?.contains("at most 10 are read"), true)
        XCTAssertEqual(rows(ContactFile.read("")), ["line 1: the file has no rows"])
        XCTAssertEqual(rows(VCardReader.read("hello")), ["line 1: \"hello\" is not a vCard line (NAME:value)"])
    }

    func testWrittenVCardsFoldLongLinesAndReadBackTheSame() {
        let long = String(repeating: "Ünïcödé ", count: 20) + "Person; with, marks\\"
        let original = [
            Contact(name: long, numbers: [
                .init(label: "cell", number: try! PhoneNumber(e164: "+447700900123")),
                .init(label: "Not a token!", number: try! PhoneNumber(e164: "+14155550123")),
            ]),
            Contact(name: "Short", numbers: [.init(number: try! PhoneNumber(e164: "+33612345678"))],
                    note: "Gate code 1234; ring twice,\nthen wait"),
        ]
        let text = VCardWriter.write(original)
        for line in text.components(separatedBy: "\r\n") {
            XCTAssertLessThanOrEqual(line.utf8.count, 75, line)
        }
        XCTAssertTrue(text.hasPrefix("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:"))
        XCTAssertTrue(text.contains("TEL;VALUE=uri;TYPE=cell:tel:+447700900123\r\n"))
        XCTAssertTrue(text.contains("NOTE:Gate code 1234\\; ring twice\\,\\nthen wait\r\n"), text)
        var expected = original
        expected[0].numbers[1].label = ""  // a label that is not a vCard token is not written
        XCTAssertEqual(contacts(VCardReader.read(text)), expected)
    }
}
