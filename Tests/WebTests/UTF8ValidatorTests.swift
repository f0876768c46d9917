import XCTest
@testable import Web

final class UTF8ValidatorTests: XCTestCase {
    private func firstBad(_ bytes: [UInt8]) -> Int? {
        var validator = UTF8Validator()
        return validator.validate(bytes)
    }

    func testBoundaryCodePointsAreValid() {
        let samples: [[UInt8]] = [
            [0x00], [0x7F],                         // U+0000, U+007F
            [0xC2, 0x80], [0xDF, 0xBF],             // U+0080, U+07FF
            [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], // U+0800, U+D7FF
            [0xEE, 0x80, 0x80], [0xEF, 0xBF, 0xBF], // U+E000, U+FFFF
            [0xF0, 0x90, 0x80, 0x80],               // U+10000
            [0xF4, 0x8F, 0xBF, 0xBF],               // U+10FFFF
            Array("κόσμε, ASCII long enough for the eight-byte path: abcdefghijklmnop".utf8),
        ]
        for sample in samples {
            XCTAssertTrue(UTF8Validator.isValid(sample), "\(sample)")
        }
    }

    func testInvalidSequencesFailAtTheFirstImpossibleByte() {
        let cases: [([UInt8], Int)] = [
            ([0x80], 0),                              // stray continuation
            ([0x61, 0xBF], 1),
            ([0xC0, 0x80], 0),                        // overlong NUL: C0 can never start a sequence
            ([0xC1, 0xBF], 0),
            ([0xE0, 0x80, 0x80], 1),                  // overlong 3-byte
            ([0xE0, 0x9F, 0xBF], 1),
            ([0xF0, 0x8F, 0xBF, 0xBF], 1),            // overlong 4-byte
            ([0xED, 0xA0, 0x80], 1),                  // U+D800 (surrogate)
            ([0xED, 0xBF, 0xBF], 1),                  // U+DFFF
            ([0xF4, 0x90, 0x80, 0x80], 1),            // U+110000
            ([0xF5, 0x80, 0x80, 0x80], 0),
            ([0xFE], 0), ([0xFF], 0),
            ([0xE2, 0x82, 0x41], 2),                  // sequence cut by ASCII
            ([0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0xFF], 9),
        ]
        for (bytes, index) in cases {
            XCTAssertEqual(firstBad(bytes), index, "\(bytes.map { String($0, radix: 16) })")
            XCTAssertFalse(UTF8Validator.isValid(bytes))
        }
    }

    func testTruncatedSequenceIsIncompleteNotFailed() {
        var validator = UTF8Validator()
        XCTAssertNil(validator.validate([0xF0, 0x9F, 0x98]))
        XCTAssertFalse(validator.isComplete)
        XCTAssertFalse(validator.hasFailed)
        XCTAssertNil(validator.validate([0x80]))
        XCTAssertTrue(validator.isComplete)
    }

    func testFailureIsSticky() {
        var validator = UTF8Validator()
        XCTAssertEqual(validator.validate([0xFF]), 0)
        XCTAssertEqual(validator.validate([0x61]), 0)
        validator.reset()
        XCTAssertNil(validator.validate([0x61]))
    }

    func testSplittingAtEveryByteGivesTheSameVerdict() {
        let inputs: [[UInt8]] = [
            Array("Iñtërnâtiônàlizætiøn ☃ 𝄞 done".utf8),
            [0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xF4, 0x90, 0x80, 0x80, 0x65],
            [0x61, 0xED, 0xA0, 0x80, 0x62],
        ]
        for input in inputs {
            let whole = UTF8Validator.isValid(input)
            for split in 0...input.count {
                var validator = UTF8Validator()
                let failedFirst = validator.validate(Array(input[..<split])) != nil
                let failedSecond = !failedFirst && validator.validate(Array(input[split...])) != nil
                let valid = !failedFirst && !failedSecond && validator.isComplete
                XCTAssertEqual(valid, whole, "split at \(split)")
            }
        }
    }

    func testAgreesWithTheStandardLibraryOnRandomBytes() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let count = Int.random(in: 0...12, using: &generator)
            // Bias toward bytes that make interesting sequences.
            let alphabet: [UInt8] = [0x41, 0x7F, 0x80, 0x8F, 0x90, 0x9F, 0xA0, 0xBF, 0xC0, 0xC2, 0xDF, 0xE0, 0xE1, 0xED,
                                     0xEE, 0xEF, 0xF0, 0xF1, 0xF4, 0xF5, 0xFF]
            let bytes = (0..<count).map { _ in alphabet.randomElement(using: &generator) ?? 0 }
            XCTAssertEqual(UTF8Validator.isValid(bytes), standardLibraryAccepts(bytes), "\(bytes)")
        }
    }

    private func standardLibraryAccepts(_ bytes: [UInt8]) -> Bool {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
