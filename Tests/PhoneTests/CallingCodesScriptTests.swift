import XCTest
@testable import Phone

/// The dialer's calling-code table is generated from the server's: the file in the repository
/// is exactly what `shetphone calling-codes` writes, and the two tables agree on every rule.
final class CallingCodesScriptTests: XCTestCase {
    func testTheDialersFileIsTheGeneratedOne() throws {
        let repository = RepositoryPath.repository(from: #filePath)
        let path = repository + "/Public/js/calling-codes.js"
        let committed = try XCTUnwrap(readTextFile(path, limit: 1 << 20), path)
        XCTAssertTrue(committed == CallingCodesScript.text,
                      "Public/js/calling-codes.js is out of date: run `swift run shetphone calling-codes`")
    }

    func testEveryDialerCountryHasItsCallingCodeAndTheServersLengths() {
        XCTAssertEqual(Set(DialerCountry.all.map(\.iso)).count, DialerCountry.all.count, "a country listed twice")
        for country in DialerCountry.all {
            let code = try? XCTUnwrap(country.callingCode, country.iso)
            guard let code else { continue }
            XCTAssertTrue(CallingCode.isAssigned(code), country.iso)
            for length in CallingCode.nationalLengths[code] ?? [] {
                XCTAssertTrue(country.nsn.contains(length), "\(country.iso): the server accepts \(length) digits")
            }
        }
        let spain = DialerCountry.all.first { $0.iso == "ES" }
        XCTAssertEqual(spain?.trunk, "")
        XCTAssertEqual(DialerCountry.all.first { $0.iso == "HU" }?.trunk, "06")
        XCTAssertEqual(DialerCountry.all.first { $0.iso == "CA" }?.callingCode, 1)
    }

    func testTheFileListsEveryAssignedCode() {
        let text = CallingCodesScript.text
        for (code, _) in CallingCode.assignments {
            XCTAssertTrue(text.contains(" '\(code)',"), "\(code)")
        }
    }
}

/// Paths of this checkout, for tests that read files of the repository.
enum RepositoryPath {
    /// The repository root: two folders above `Tests/PhoneTests/<file>.swift`.
    static func repository(from file: String) -> String {
        var parts = file.split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/")
    }
}
