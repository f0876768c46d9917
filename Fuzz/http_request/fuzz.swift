// libFuzzer entry for the HTTP/1.x request parser: feeds the input whole and split in two,
// drains pipelined requests, and checks the parser's own invariants.

@testable import Web

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPRequest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var limits = Limits()
    limits.maxHeaderBytes = 4096
    limits.maxRequestLineBytes = 1024
    limits.maxBodyBytes = 8192
    limits.maxHeaderCount = 32
    drain(bytes, limits: limits)
    // The same bytes arriving in two reads must give the same outcome as one read.
    if size > 1 {
        let split = Int(bytes[0]) % size
        var parser = HTTPRequestParser(limits: limits)
        var buffer = Array(bytes[0..<split])
        _ = buffer.withUnsafeBytes { parser.parse($0) }
        buffer.append(contentsOf: bytes[split...])
        var whole = HTTPRequestParser(limits: limits)
        let a = buffer.withUnsafeBytes { parser.parse($0) }
        let b = buffer.withUnsafeBytes { whole.parse($0) }
        if case .request(let consumedA) = a, case .request(let consumedB) = b {
            precondition(consumedA == consumedB, "split reads consumed a different number of bytes")
            precondition(parser.body == whole.body, "split reads decoded a different body")
        }
    }
    return 0
}

private func drain(_ input: [UInt8], limits: Limits) {
    var buffer = input
    var parser = HTTPRequestParser(limits: limits)
    while !buffer.isEmpty {
        let step = buffer.withUnsafeBytes { parser.parse($0) }
        switch step {
        case .request(let consumed):
            precondition(consumed > 0 && consumed <= buffer.count, "consumed out of range")
            precondition(parser.body.count <= limits.maxBodyBytes, "body over the limit")
            if let head = parser.requestHead {
                precondition(head.headers.count <= limits.maxHeaderCount, "too many headers accepted")
                _ = try? RequestTarget.split(head.target)
            }
            buffer.removeFirst(consumed)
            parser.reset()
        case .needMore, .head, .failure:
            return
        }
    }
}
