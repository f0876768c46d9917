// libFuzzer entry for the HTTP/1.x request parser and the connection state machine: feeds the
// input whole and split in two, drains pipelined requests, and checks the parser's invariants;
// then drives `HTTPConnectionStateMachine` with the bytes in pieces, answering every request,
// and checks that it never dispatches twice, never holds more than its bounds, and gives back
// every byte of the body budget.

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
    driveStateMachine(bytes, limits: limits)
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

private func driveStateMachine(_ input: [UInt8], limits: Limits) {
    let budget = RequestBodyBudget(capacity: 16 * 1024)
    var machine = HTTPConnectionStateMachine(now: 0, limits: limits, bodyLimit: { _, target in target.count % 3 == 0 ? 64 : nil },
                                             budget: budget, peerAddress: "127.0.0.1", peerIsTrustedProxy: false,
                                             proxies: TrustedProxies())
    var actions: [HTTPConnectionStateMachine.Action] = []
    machine.started(now: 0, into: &actions)
    let piece = max(1, Int(input.first ?? 1) % 97)
    var now: UInt64 = 0
    var offset = 0
    var pendingExchange: UInt64?
    while offset < input.count {
        let end = min(input.count, offset + piece)
        actions.removeAll()
        input[offset..<end].withUnsafeBytes { machine.bytesRead($0, now: now, into: &actions) }
        offset = end
        now += 1
        // Answer whatever was dispatched, as the application would, until nothing new comes.
        while true {
            for action in actions {
                if case .dispatch(let id) = action {
                    precondition(pendingExchange == nil, "a second request dispatched before the first was answered")
                    guard let request = machine.takeRequest() else { preconditionFailure("a dispatch with no request") }
                    precondition(request.body.count <= limits.maxBodyBytes, "body over the limit")
                    pendingExchange = id
                }
            }
            precondition(machine.bufferedBytes <= limits.maxInboundBytes + piece, "buffer past the inbound cap")
            precondition(budget.reserved <= budget.capacity, "budget overdrawn")
            guard let id = pendingExchange else { break }
            pendingExchange = nil
            actions.removeAll()
            machine.responseReady(.text("ok"), exchange: id, queuedBytes: 0, now: now, into: &actions)
            for action in actions {
                if case .respond = action {
                    precondition(machine.takeResponse() != nil, "a respond action with no response")
                }
                if case .yieldTurn = action {
                    actions.removeAll()
                    machine.turnResumed(now: now, into: &actions)
                    break
                }
            }
        }
    }
    actions.removeAll()
    machine.readEnded(now: now, into: &actions)
    machine.deadlinePassed(now: now + 1_000_000, into: &actions)
    machine.closed()
    precondition(budget.reserved == 0, "the body budget was not given back: \(budget.reserved)")
}
