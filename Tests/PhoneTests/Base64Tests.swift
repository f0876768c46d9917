import XCTest
@testable import Phone

/// RFC 4648 section 10 test vectors, in both alphabets, and the inputs the decoder must refuse.
final class Base64Tests: XCTestCase {
    let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                   ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]

    func testRFC4648Vectors() {
        for (plain, encoded) in vectors {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded)
            let unpadded = String(encoded.filter { $0 != "=" })
            XCTAssertEqual(Base64.urlEncode(Array(plain.utf8)), unpadded)
            XCTAssertEqual(Base64.urlDecode(unpadded), Array(plain.utf8))
            XCTAssertEqual(Base64.urlDecode(encoded), Array(plain.utf8), "padded \(encoded)")
        }
    }

    func testEveryByteValueRoundTrips() {
        let bytes = (0...255).map { UInt8($0) }
        for length in [253, 254, 255, 256] {
            XCTAssertEqual(Base64.urlDecode(Base64.urlEncode(Array(bytes.prefix(length)))), Array(bytes.prefix(length)))
        }
        XCTAssertEqual(Base64.encode([0xfb, 0xff]), "+/8=")
    }

    func testRefusesWhatIsNotBase64URL() {
        for bad in ["Zg=a", "Z", "Zm9v!", "Zg===", "Zm9 v", "Zm8/"] {
            XCTAssertNil(Base64.urlDecode(bad), bad)
        }
    }
}
