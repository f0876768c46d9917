// libFuzzer target for the zlib wrappers: arbitrary bytes through the bounded Inflater (must
// stop at its limit, never crash), and a Deflater -> Inflater round trip (must give the input back).
//
// Input layout: byte 0 picks the window bits (8-15) and whether to reset between halves; the rest
// is both the "compressed" stream and the plain text for the round trip.

@testable import Web

private let limit = 256 * 1024

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let all = UnsafeRawBufferPointer(start: data, count: size)
    let bits = 8 + Int(all[0] & 7)
    let resetBetween = all[0] & 8 != 0
    let body = UnsafeRawBufferPointer(rebasing: all[1...])

    // 1. Untrusted deflate data, in two pieces, then the message tail.
    if let inflater = Inflater(windowBits: bits) {
        var output: [UInt8] = []
        let half = body.count / 2
        do {
            try inflater.inflate(UnsafeRawBufferPointer(rebasing: body[..<half]), into: &output, limit: limit)
            try inflater.inflate(UnsafeRawBufferPointer(rebasing: body[half...]), into: &output, limit: limit)
            try Inflater.messageTail.withUnsafeBytes { try inflater.inflate($0, into: &output, limit: limit) }
        } catch {}
        if output.count > limit { fatalError("inflater passed its limit: \(output.count)") }
    }

    // 2. Round trip: two messages through one compressor and one inflater.
    guard let deflater = Deflater(windowBits: max(9, bits)), let inflater = Inflater(windowBits: bits) else {
        fatalError("zlib setup failed for window bits \(bits)")
    }
    let half = body.count / 2
    for part in [UnsafeRawBufferPointer(rebasing: body[..<half]), UnsafeRawBufferPointer(rebasing: body[half...])] {
        if resetBetween {
            deflater.reset()
            inflater.reset()
        }
        let compressed = deflater.compress(part)
        var output: [UInt8] = []
        do {
            try (compressed + Inflater.messageTail).withUnsafeBytes {
                try inflater.inflate($0, into: &output, limit: limit + 1024)
            }
        } catch {
            fatalError("round trip failed to inflate: \(error)")
        }
        if !output.elementsEqual(part) { fatalError("round trip changed the data (window bits \(bits))") }
    }
    return 0
}
