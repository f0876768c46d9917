// libFuzzer target for the WebSocket reader: frame decoding, reassembly, permessage-deflate
// inflation, UTF-8 validation and close-frame parsing, fed attacker-controlled bytes.
//
// Input layout: byte 0 picks the setup (bit 0: deflate negotiated, bit 1: client takes context
// over, bits 2-7: piece size for the second pass); the rest is the byte stream from the client.
// Invariants: nothing crashes or grows past the limit, and feeding the stream in pieces gives
// the same messages and the same close code as feeding it whole. (The reason text may differ:
// inside compressed data, how far zlib runs before a bad UTF-8 byte is checked depends on the
// piece size, so "bad UTF-8" (1007), "bad deflate data" (1007) and "too big" (1009) can race.)

@testable import Web

private let maxMessageBytes = 64 * 1024

private struct Outcome: Equatable {
    var messages: [WebSocketMessage] = []
    var failure: WebSocketError?
}

private func run(_ stream: UnsafeRawBufferPointer, deflate: PerMessageDeflate?, piece: Int) -> Outcome {
    var reader = WebSocketMessageReader(maxMessageBytes: maxMessageBytes, deflate: deflate)
    var outcome = Outcome()
    var offset = 0
    while offset < stream.count {
        let end = min(stream.count, offset + piece)
        var input = UnsafeRawBufferPointer(rebasing: stream[offset..<end])
        do {
            while let message = try reader.next(&input) {
                outcome.messages.append(message)
                check(message)
            }
        } catch let error as WebSocketError {
            outcome.failure = error
            return outcome
        } catch {
            fatalError("unexpected error type: \(error)")
        }
        if !input.isEmpty { fatalError("reader returned without consuming its input") }
        offset = end
    }
    return outcome
}

private func check(_ message: WebSocketMessage) {
    switch message {
    case .text(let text):
        if text.utf8.count > maxMessageBytes { fatalError("text message over the limit") }
    case .binary(let bytes):
        if bytes.count > maxMessageBytes { fatalError("binary message over the limit") }
    case .ping(let bytes), .pong(let bytes):
        if bytes.count > 125 { fatalError("control payload over 125 bytes") }
    case .close(let code, _):
        if let code, !code.isValidOnWire { fatalError("invalid close code accepted") }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size > 0 else { return 0 }
    let all = UnsafeRawBufferPointer(start: data, count: size)
    let setup = all[0]
    let stream = UnsafeRawBufferPointer(rebasing: all[1...])
    var deflate: PerMessageDeflate?
    if setup & 1 != 0 {
        deflate = PerMessageDeflate(serverNoContextTakeover: true, clientNoContextTakeover: setup & 2 == 0)
    }
    let whole = run(stream, deflate: deflate, piece: max(1, stream.count))
    let pieces = run(stream, deflate: deflate, piece: Int(setup >> 2) + 1)
    let inflating: Set<UInt16> = [1007, 1009]
    let sameFailure = whole.failure?.code == pieces.failure?.code
        || (deflate != nil && inflating.contains(whole.failure?.code.rawValue ?? 0)
            && inflating.contains(pieces.failure?.code.rawValue ?? 0))
    if whole.messages != pieces.messages || !sameFailure {
        fatalError("pieces of \(Int(setup >> 2) + 1) bytes give \(pieces), whole input gives \(whole)")
    }
    // The extension-offer parser sees the same bytes as a header value.
    _ = PerMessageDeflate.negotiate([String(decoding: stream.prefix(512), as: UTF8.self)],
                                    configuration: PerMessageDeflate.Configuration())
    return 0
}
