import XCTest
@testable import Phone

final class PresetsTests: XCTestCase {
    func testINIEntriesAndCSVRowsBecomeE164Presets() {
        let csv = "\u{FEFF}alias,country code,number\r\nHome,44,07700 900123\r\n\"Mum, at work\",+44,20 7946 0000\r\nOffice,1,(415) 555-0100\r\n"
        let presets = Presets(entries: [(name: "Twilio test", value: "+1 500 555 0006", line: 7)], csv: csv)
        XCTAssertEqual(presets.problems, [])
        XCTAssertEqual(presets.presets.map(\.name), ["Twilio test", "Home", "Mum, at work", "Office"])
        XCTAssertEqual(presets.presets.map(\.number.e164), ["+15005550006", "+447700900123", "+442079460000", "+14155550100"])
        XCTAssertEqual(presets.json.text, """
            {"presets":[{"name":"Twilio test","number":"+15005550006","country":"US"},\
            {"name":"Home","number":"+447700900123","country":"GB"},\
            {"name":"Mum, at work","number":"+442079460000","country":"GB"},\
            {"name":"Office","number":"+14155550100","country":"US"}]}
            """)
    }

    func testBadRowsAreReportedWithTheirLineAndTheRestKept() {
        let csv = """
            Home,44,07700 900123
            Broken,44
            Nowhere,999,123456
            Typo,44,0770
            Home,44,020 7946 0000

            # a comment
            Too,44,020 7946 0000,extra
            Mismatch,44,+1 415 555 0100
            Good,GB,020 7946 0001
            """
        let presets = Presets(entries: [(name: "Bad", value: "12345", line: 4)], iniFile: "shetphone.ini", csv: csv, csvFile: "presets.csv")
        XCTAssertEqual(presets.presets.map(\.name), ["Home", "Good"])
        let problems = presets.problems.map(\.description)
        guard problems.count == 7 else { return XCTFail(problems.joined(separator: "\n")) }
        XCTAssertTrue(problems[0].hasPrefix("shetphone.ini:4: [presets] Bad: \"12345\" is not a phone number"), problems[0])
        XCTAssertTrue(problems[1].hasPrefix("presets.csv:2: \"44\" is not a phone number"), problems[1])
        XCTAssertTrue(problems[2].hasPrefix("presets.csv:3: \"999\" is not a country calling code"), problems[2])
        XCTAssertTrue(problems[3].hasPrefix("presets.csv:4: \"0770\" is not a phone number"), problems[3])
        XCTAssertTrue(problems[4].hasPrefix("presets.csv:5: \"Home\" is already a preset"), problems[4])
        XCTAssertTrue(problems[5].hasPrefix("presets.csv:8: expected 3 columns"), problems[5])
        XCTAssertTrue(problems[6].hasPrefix("presets.csv:9: +14155550100 is not in country code +44"), problems[6])
    }

    func testTwoColumnRowsNeedAnInternationalNumberOrADefault() {
        let csv = "Home,+44 7700 900123\nLocal,020 7946 0000\n"
        XCTAssertEqual(Presets(csv: csv).presets.map(\.name), ["Home"])
        XCTAssertEqual(Presets(csv: csv, defaultCallingCode: 44).presets.map(\.number.e164), ["+447700900123", "+442079460000"])
    }

    func testSemicolonSeparatedFilesFromEuropeanSpreadsheets() {
        let presets = Presets(csv: "Name;Country;Number\nOma;49;030 1234567\n")
        XCTAssertEqual(presets.presets.map(\.number.e164), ["+49301234567"])
        XCTAssertEqual(presets.presets.first?.json["country"], "DE")
    }

    func testUnterminatedQuoteIsReported() {
        let presets = Presets(csv: "Home,44,07700 900123\n\"Broken,44,0\n")
        XCTAssertEqual(presets.presets.map(\.name), ["Home"])
        XCTAssertEqual(presets.problems.map(\.description), ["presets.csv:2: a quoted field is never closed; the rest of the file is ignored"])
    }

    func testHostileNamesAreKeptAsTextAndEscapedInJSON() throws {
        let presets = Presets(csv: "\"<script>\"\"x\"\"</script>\",44,07700 900123\n\"bad\u{1}name\",44,07700 900124\n")
        XCTAssertEqual(presets.presets.map(\.name), ["<script>\"x\"</script>"])
        XCTAssertEqual(try JSONParser.parse(presets.json.text)["presets"]?.arrayValue?.first?["name"], "<script>\"x\"</script>")
        XCTAssertEqual(presets.problems.count, 1)
    }

    func testCSVReaderHandlesQuotesLineBreaksAndCRLF() {
        let (records, error) = CSVReader.read("a,\"b,\"\"c\"\"\",d\r\n\r\n\"multi\nline\",x\ne,,\n\"\"")
        XCTAssertNil(error)
        XCTAssertEqual(records, [
            CSVReader.Record(line: 1, fields: ["a", "b,\"c\"", "d"]),
            CSVReader.Record(line: 3, fields: ["multi\nline", "x"]),
            CSVReader.Record(line: 5, fields: ["e", "", ""]),
            CSVReader.Record(line: 6, fields: [""]),
        ])
    }
}
