import CZlib
import XCTest
@testable import Web

/// Inflates with zlib directly (windowBits 15 + 32: auto-detect the gzip header), independent of `Gzip`.
func gunzip(_ data: [UInt8]) -> [UInt8]? {
    var stream = z_stream()
    guard inflateInit2_(&stream, 47, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else { return nil }
    defer { inflateEnd(&stream) }
    var output: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16_384)
    var input = data
    var status: Int32 = Z_OK
    input.withUnsafeMutableBufferPointer { source in
        stream.next_in = source.baseAddress
        stream.avail_in = uInt(source.count)
        repeat {
            let produced: Int = chunk.withUnsafeMutableBufferPointer { destination in
                stream.next_out = destination.baseAddress
                stream.avail_out = uInt(destination.count)
                status = inflate(&stream, Z_NO_FLUSH)
                return destination.count - Int(stream.avail_out)
            }
            output.append(contentsOf: chunk[0..<produced])
        } while status == Z_OK
    }
    return status == Z_STREAM_END ? output : nil
}

final class GzipTests: XCTestCase {
    func testCompressedBodyInflatesBackToTheOriginal() throws {
        let text = Array(String(repeating: "function dial(number) { return number; }\n", count: 500).utf8)
        let packed = try XCTUnwrap(Gzip.compress(text))
        XCTAssertLessThan(packed.count, text.count / 10)
        XCTAssertEqual(Array(packed.prefix(2)), [0x1F, 0x8B], "gzip magic, not a zlib header")
        XCTAssertEqual(gunzip(packed), text)
    }

    func testIncompressibleAndEmptyInputsStillRoundTrip() throws {
        var random = SystemRandomNumberGenerator()
        let noise = (0..<50_000).map { _ in UInt8.random(in: 0...255, using: &random) }
        XCTAssertEqual(gunzip(try XCTUnwrap(Gzip.compress(noise))), noise)
        XCTAssertEqual(gunzip(try XCTUnwrap(Gzip.compress([]))), [])
    }
}
