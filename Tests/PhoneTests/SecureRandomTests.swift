import Phone
import XCTest

/// `SecureRandom` reads the kernel's generator: the lengths asked for, and bytes that differ.
final class SecureRandomTests: XCTestCase {
    func testBytesHaveTheLengthAskedForAndDifferEachTime() {
        XCTAssertEqual(SecureRandom.bytes(0), [])
        XCTAssertEqual(SecureRandom.bytes(1).count, 1)
        // Past getrandom's 256-byte single-read guarantee, so a short read would be continued.
        let big = SecureRandom.bytes(100_000)
        XCTAssertEqual(big.count, 100_000)
        XCTAssertNotEqual(SecureRandom.bytes(32), SecureRandom.bytes(32))
        // 100,000 random bytes take nearly every value; zeros left by a short fill would not.
        XCTAssertGreaterThan(Set(big).count, 250)
        XCTAssertLessThan(big.filter { $0 == 0 }.count, 1_000, "about 390 zeros expected")
    }

    func testTokensAreBase64URLOfTheirLength() {
        let token = SecureRandom.token()
        XCTAssertTrue(SecureRandom.isToken(token), token)
        XCTAssertNotEqual(token, SecureRandom.token())
        XCTAssertEqual(SecureRandom.token(byteCount: 18).count, 24)
    }
}
