import XCTest
@testable import Web

/// The HTTP/1 connection lifecycle without a socket: bytes and a fake clock in, actions out.
final class HTTPConnectionStateMachineTests: XCTestCase {
    typealias Machine = HTTPConnectionStateMachine

    private func makeMachine(now: UInt64 = 0, limits: Limits = Limits(), bodyLimit: BodyLimit? = nil,
                             budget: RequestBodyBudget = RequestBodyBudget(capacity: 1 << 30)) -> Machine {
        var machine = Machine(now: now, limits: limits, bodyLimit: bodyLimit, budget: budget, peerAddress: "127.0.0.1",
                              peerIsTrustedProxy: false, proxies: TrustedProxies())
        var actions: [Machine.Action] = []
        machine.started(now: now, into: &actions)
        return machine
    }

    /// One line per action, so a whole sequence is one readable assertion.
    /// The request or response an action hands over is taken from the machine, as the connection does.
    private func describe(_ actions: [Machine.Action], _ machine: inout Machine) -> [String] {
        actions.map { action in
            switch action {
            case .writeContinue:
                return "write \(String(decoding: HTTPResponseEncoder.continueHead, as: UTF8.self).prefix(12))"
            case .dispatch(let id):
                guard let request = machine.takeRequest() else { return "dispatch \(id) without a request" }
                return "dispatch \(id) \(request.method) \(request.target) body=\(request.body.count)"
            case .respond(let keepAlive):
                guard let (response, exchange) = machine.takeResponse() else { return "respond without a response" }
                return "respond \(exchange.id) \(response.status.code)\(keepAlive ? "" : " close")"
            case .refuse:
                guard let error = machine.takeRefusal() else { return "refuse without an error" }
                return "refuse \(error.status.code)"
            case .upgrade:
                guard let (_, leftover) = machine.takeUpgrade() else { return "upgrade without an upgrade" }
                return "upgrade leftover=\(String(decoding: leftover, as: UTF8.self))"
            case .setDeadline(let at): return "deadline \(at)"
            case .pauseReading: return "pause"
            case .resumeReading: return "resume"
            case .yieldTurn: return "yield"
            case .closeAfterFlush: return "closeAfterFlush"
            case .close: return "close"
            }
        }
    }

    private func read(_ machine: inout Machine, _ text: String, at now: UInt64) -> [String] {
        var actions: [Machine.Action] = []
        Array(text.utf8).withUnsafeBytes { machine.bytesRead($0, now: now, into: &actions) }
        return describe(actions, &machine)
    }

    private func respond(_ machine: inout Machine, _ id: UInt64, _ response: Response = .text("ok"),
                         queued: Int = 0, at now: UInt64) -> [String] {
        var actions: [Machine.Action] = []
        machine.responseReady(response, exchange: id, queuedBytes: queued, now: now, into: &actions)
        return describe(actions, &machine)
    }

    private func input(_ machine: inout Machine, _ call: (inout Machine, inout [Machine.Action]) -> Void) -> [String] {
        var actions: [Machine.Action] = []
        call(&machine, &actions)
        return describe(actions, &machine)
    }

    private func get(_ path: String) -> String { "GET \(path) HTTP/1.1\r\nHost: a\r\n\r\n" }

    // MARK: Requests in order

    func testFirstRequestGetsTheHeaderTimeoutFromTheConnectionStart() {
        var machine = Machine(now: 1_000, limits: Limits(), bodyLimit: nil, budget: RequestBodyBudget(capacity: 10),
                              peerAddress: "::1", peerIsTrustedProxy: false, proxies: TrustedProxies())
        XCTAssertEqual(input(&machine) { $0.started(now: 1_000, into: &$1) }, ["deadline 11000"])
    }

    func testPipelinedRequestsGoToTheApplicationOneAtATimeInOrder() {
        var machine = makeMachine()
        XCTAssertEqual(read(&machine, get("/1") + get("/2") + get("/3"), at: 5),
                       ["dispatch 1 GET /1 body=0", "deadline 0"])
        XCTAssertEqual(respond(&machine, 1, at: 6), ["respond 1 200", "resume", "dispatch 2 GET /2 body=0"])
        XCTAssertEqual(respond(&machine, 2, at: 7), ["respond 2 200", "resume", "dispatch 3 GET /3 body=0"])
        XCTAssertEqual(respond(&machine, 3, at: 8), ["respond 3 200", "resume", "deadline 75008"])
        XCTAssertEqual(machine.bufferedBytes, 0)
    }

    func testPipelinedBytesAreConsumedFromTheFrontWithoutCopyingTheRest() {
        var machine = makeMachine()
        let rest = get("/2") + get("/3")
        _ = read(&machine, get("/1") + rest, at: 0)
        XCTAssertEqual(machine.bufferedBytes, rest.utf8.count)
        _ = respond(&machine, 1, at: 0)
        XCTAssertEqual(machine.bufferedBytes, get("/3").utf8.count)
    }

    func testAResponseForAnotherRequestIsIgnored() {
        var machine = makeMachine()
        _ = read(&machine, get("/1"), at: 0)
        XCTAssertEqual(respond(&machine, 7, at: 1), [])
        XCTAssertEqual(respond(&machine, 1, at: 1), ["respond 1 200", "resume", "deadline 75001"])
        XCTAssertEqual(respond(&machine, 1, at: 2), [], "a second answer to the same request")
    }

    func testPipeliningYieldsTheLoopAfterMaxPipelinedRequests() {
        var limits = Limits()
        limits.maxPipelinedRequests = 2
        var machine = makeMachine(limits: limits)
        _ = read(&machine, get("/1") + get("/2") + get("/3"), at: 0)
        XCTAssertEqual(respond(&machine, 1, at: 0), ["respond 1 200", "resume", "dispatch 2 GET /2 body=0"])
        XCTAssertEqual(respond(&machine, 2, at: 0), ["respond 2 200", "resume", "pause", "yield"])
        XCTAssertEqual(input(&machine) { $0.turnResumed(now: 1, into: &$1) }, ["resume", "dispatch 3 GET /3 body=0"])
    }

    func testExpectContinueIsAnsweredOnceWhenTheHeadIsIn() {
        var machine = makeMachine()
        let head = "POST /f HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n"
        XCTAssertEqual(read(&machine, head, at: 10), ["write HTTP/1.1 100", "deadline 30010"])
        XCTAssertEqual(read(&machine, "ab", at: 11), [])
        XCTAssertEqual(read(&machine, "cd", at: 12), ["dispatch 1 POST /f body=4", "deadline 0"])
    }

    // MARK: Half-close

    func testHalfCloseAnswersTheRequestInFlightThenCloses() {
        var machine = makeMachine()
        _ = read(&machine, get("/1"), at: 0)
        XCTAssertEqual(input(&machine) { $0.readEnded(now: 1, into: &$1) }, ["pause"])
        XCTAssertEqual(respond(&machine, 1, at: 2), ["respond 1 200 close", "closeAfterFlush"])
    }

    func testHalfCloseStillAnswersCompletePipelinedRequests() {
        var machine = makeMachine()
        _ = read(&machine, get("/1") + get("/2"), at: 0)
        _ = input(&machine) { $0.readEnded(now: 1, into: &$1) }
        XCTAssertEqual(respond(&machine, 1, at: 2), ["respond 1 200", "dispatch 2 GET /2 body=0"])
        XCTAssertEqual(respond(&machine, 2, at: 3), ["respond 2 200 close", "closeAfterFlush"])
    }

    func testHalfCloseInTheMiddleOfARequestClosesWithoutAnswering() {
        var machine = makeMachine()
        _ = read(&machine, "GET / HTTP/1.1\r\nHo", at: 0)
        XCTAssertEqual(input(&machine) { $0.readEnded(now: 1, into: &$1) }, ["closeAfterFlush"])
        XCTAssertEqual(machine.state, .closing)
    }

    // MARK: Timeouts

    func testHeaderTimeoutCountsFromTheFirstByteAndAnswers408() {
        var machine = makeMachine()
        XCTAssertEqual(read(&machine, "GET / HTT", at: 500), ["deadline 10500"])
        XCTAssertEqual(read(&machine, "P/1.1\r\n", at: 9_000), [], "more bytes do not extend the head's time")
        XCTAssertEqual(input(&machine) { $0.deadlinePassed(now: 10_500, into: &$1) }, ["refuse 408", "closeAfterFlush"])
    }

    func testBodyTimeoutCountsFromTheRequestStartAndAnswers408() {
        var machine = makeMachine()
        XCTAssertEqual(read(&machine, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nab", at: 100), ["deadline 30100"])
        XCTAssertEqual(input(&machine) { $0.deadlinePassed(now: 30_100, into: &$1) }, ["refuse 408", "closeAfterFlush"])
    }

    func testIdleTimeoutClosesQuietlyBetweenRequests() {
        var machine = makeMachine()
        _ = read(&machine, get("/"), at: 0)
        XCTAssertEqual(respond(&machine, 1, at: 40), ["respond 1 200", "resume", "deadline 75040"])
        XCTAssertEqual(input(&machine) { $0.deadlinePassed(now: 75_040, into: &$1) }, ["close"])
    }

    func testNoTimeoutRunsWhileTheApplicationAnswers() {
        var machine = makeMachine()
        XCTAssertEqual(read(&machine, get("/slow"), at: 0), ["dispatch 1 GET /slow body=0", "deadline 0"])
        XCTAssertEqual(input(&machine) { $0.deadlinePassed(now: 1_000_000, into: &$1) }, [])
    }

    // MARK: Backpressure

    func testAPeerThatDoesNotReadGetsNoMoreAnswersUntilDrained() {
        var limits = Limits()
        limits.maxOutboundBytes = 100
        var machine = makeMachine(limits: limits)
        _ = read(&machine, get("/1") + get("/2"), at: 0)
        let big = Response.text(String(repeating: "x", count: 200))
        XCTAssertEqual(respond(&machine, 1, big, at: 5), ["respond 1 200", "pause", "deadline 75005"])
        XCTAssertEqual(input(&machine) { $0.drained(now: 6, into: &$1) }, ["resume", "dispatch 2 GET /2 body=0", "deadline 0"])
    }

    func testAPeerThatNeverReadsIsDroppedAtTheIdleTimeout() {
        var limits = Limits()
        limits.maxOutboundBytes = 10
        var machine = makeMachine(limits: limits)
        _ = read(&machine, get("/1"), at: 0)
        _ = respond(&machine, 1, queued: 50, at: 5)
        XCTAssertEqual(input(&machine) { $0.deadlinePassed(now: 75_005, into: &$1) }, ["close"])
    }

    func testAPeerThatKeepsReadingSlowlyIsNotDropped() {
        var limits = Limits()
        limits.maxOutboundBytes = 10
        var machine = makeMachine(limits: limits)
        _ = read(&machine, get("/1") + get("/2"), at: 0)
        XCTAssertEqual(respond(&machine, 1, queued: 50, at: 5), ["respond 1 200", "pause", "deadline 75005"])
        XCTAssertEqual(input(&machine) { $0.wroteSome(now: 70_000, into: &$1) }, ["deadline 145000"],
                       "the idle timeout counts from the peer's last read")
        XCTAssertEqual(input(&machine) { $0.wroteSome(now: 140_000, into: &$1) }, ["deadline 215000"])
        XCTAssertEqual(input(&machine) { $0.drained(now: 200_000, into: &$1) }, ["resume", "dispatch 2 GET /2 body=0", "deadline 0"])
        XCTAssertEqual(input(&machine) { $0.wroteSome(now: 200_001, into: &$1) }, [], "only a wait for the drain has this deadline")
    }

    func testWhileTheKernelBufferShrinksThePeerIsReadingAndIsKept() {
        var limits = Limits()
        limits.maxOutboundBytes = 10
        var machine = makeMachine(limits: limits)
        _ = read(&machine, get("/1"), at: 0)
        _ = respond(&machine, 1, queued: 50, at: 5)
        XCTAssertEqual(input(&machine) { $0.deadlinePassed(now: 75_005, kernelUnsent: 4_000, into: &$1) }, ["deadline 150005"],
                       "the first look at the kernel's buffer")
        XCTAssertEqual(input(&machine) { $0.deadlinePassed(now: 150_005, kernelUnsent: 1_000, into: &$1) }, ["deadline 225005"],
                       "it went down: the peer read")
        XCTAssertEqual(input(&machine) { $0.deadlinePassed(now: 225_005, kernelUnsent: 1_000, into: &$1) }, ["close"],
                       "nothing moved for a whole idle timeout")
    }

    func testBytesPastTheInboundCapWhileAnsweringPauseReading() {
        var limits = Limits()
        limits.maxBodyBytes = 100
        var machine = makeMachine(limits: limits)
        _ = read(&machine, get("/1"), at: 0)
        XCTAssertEqual(read(&machine, String(repeating: get("/n"), count: 4_000), at: 1), ["pause"])
    }

    // MARK: Upgrade and shutdown

    func testUpgradeHandsTheLeftoverBytesToTheNewProtocol() {
        var machine = makeMachine()
        _ = read(&machine, get("/ws") + "abc", at: 0)
        var switching = Response(status: .switchingProtocols)
        switching.upgrade = ConnectionUpgrade { _ in fatalError("not called by the state machine") }
        XCTAssertEqual(respond(&machine, 1, switching, at: 1), ["respond 1 101", "upgrade leftover=abc"])
        XCTAssertEqual(read(&machine, get("/after"), at: 2), [], "the HTTP side never reads again")
        XCTAssertEqual(machine.state, .upgraded)
    }

    func testServerStoppingClosesIdleConnectionsAtOnce() {
        var machine = makeMachine()
        XCTAssertEqual(input(&machine) { $0.serverIsStopping(now: 0, into: &$1) }, ["close"])
    }

    func testServerStoppingLetsTheRequestInFlightFinishWithConnectionClose() {
        var machine = makeMachine()
        _ = read(&machine, get("/1") + get("/2"), at: 0)
        XCTAssertEqual(input(&machine) { $0.serverIsStopping(now: 1, into: &$1) }, [])
        XCTAssertEqual(respond(&machine, 1, at: 2), ["respond 1 200 close", "closeAfterFlush"])
    }

    func testServerStoppingLetsAHalfReceivedRequestComplete() {
        var machine = makeMachine()
        _ = read(&machine, "GET / HTTP/1.1\r\n", at: 0)
        XCTAssertEqual(input(&machine) { $0.serverIsStopping(now: 1, into: &$1) }, [])
        XCTAssertEqual(read(&machine, "Host: a\r\n\r\n", at: 2), ["dispatch 1 GET / body=0", "deadline 0"])
        XCTAssertEqual(respond(&machine, 1, at: 3), ["respond 1 200 close", "closeAfterFlush"])
    }

    // MARK: Refusals and the body budget

    func testAMalformedRequestIsRefusedAndNothingAfterItIsRead() {
        var machine = makeMachine()
        XCTAssertEqual(read(&machine, "GET / HTTP/1.1\r\nHost: a\r\nX : y\r\n\r\n" + get("/2"), at: 0),
                       ["refuse 400", "closeAfterFlush"])
        XCTAssertEqual(read(&machine, get("/3"), at: 1), [])
    }

    func testARouteBodyLimitRefusesTheHeadBeforeAnyBodyByte() {
        var machine = makeMachine(bodyLimit: { _, _ in 10 })
        XCTAssertEqual(read(&machine, "POST /voice HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\n", at: 0),
                       ["refuse 413", "closeAfterFlush"])
    }

    func testBodiesPastTheServerBudgetAre503AndAdmittedOnesFinish() {
        let budget = RequestBodyBudget(capacity: 100)
        var first = makeMachine(budget: budget)
        var second = makeMachine(budget: budget)
        XCTAssertEqual(read(&first, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 80\r\n\r\nab", at: 0), ["deadline 30000"])
        XCTAssertEqual(budget.reserved, 80)
        XCTAssertEqual(read(&second, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 30\r\n\r\n", at: 0),
                       ["refuse 503", "closeAfterFlush"])
        XCTAssertEqual(budget.reserved, 80)
        // The admitted body completes and is answered; its bytes go back to the budget.
        XCTAssertEqual(read(&first, String(repeating: "x", count: 78), at: 1), ["dispatch 1 POST / body=80", "deadline 0"])
        _ = respond(&first, 1, at: 2)
        XCTAssertEqual(budget.reserved, 0)
        // A request without a body is never refused for the budget.
        _ = budget.reserve(100)
        var third = makeMachine(budget: budget)
        XCTAssertEqual(read(&third, get("/"), at: 3), ["dispatch 1 GET / body=0", "deadline 0"])
    }

    func testAChunkedBodyReservesAsItGrowsAndGivesBackOnClose() {
        let budget = RequestBodyBudget(capacity: 1 << 20)
        var machine = makeMachine(budget: budget)
        let chunk = String(repeating: "y", count: 40_000)
        _ = read(&machine, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n9c40\r\n" + chunk, at: 0)
        XCTAssertGreaterThanOrEqual(budget.reserved, 40_000)
        // Held once: decoded in the parser, not also raw in the buffer.
        XCTAssertEqual(machine.bufferedBytes, 0)
        machine.closed()
        XCTAssertEqual(budget.reserved, 0)
    }

    func testABodyAbandonedByItsPeerGivesItsBudgetBack() {
        let budget = RequestBodyBudget(capacity: 1 << 20)
        var machine = makeMachine(budget: budget)
        _ = read(&machine, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nab", at: 0)
        XCTAssertEqual(budget.reserved, 1000)
        XCTAssertEqual(input(&machine) { $0.readEnded(now: 1, into: &$1) }, ["closeAfterFlush"])
        XCTAssertEqual(budget.reserved, 0)
        machine.closed()
        XCTAssertEqual(budget.reserved, 0, "given back once")
    }

    func testABodyGivesItsBudgetBackOnceWhenAnsweredWithClose() {
        let budget = RequestBodyBudget(capacity: 1 << 20)
        var machine = makeMachine(budget: budget)
        _ = read(&machine, "POST / HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 2\r\n\r\nab", at: 0)
        XCTAssertEqual(budget.reserved, 2)
        XCTAssertEqual(respond(&machine, 1, at: 1), ["respond 1 200 close", "closeAfterFlush"])
        machine.closed()
        XCTAssertEqual(budget.reserved, 0)
    }

    func testAChunkedBodyPastTheBudgetIs503() {
        let budget = RequestBodyBudget(capacity: 20_000)
        var machine = makeMachine(budget: budget)
        let chunk = String(repeating: "y", count: 40_000)
        XCTAssertEqual(read(&machine, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n9c40\r\n" + chunk, at: 0),
                       ["refuse 503", "closeAfterFlush"])
        XCTAssertEqual(budget.reserved, 0)
    }

    func testInboundBufferDropsTheConsumedFrontOnceItOutweighsTheRest() {
        var buffer = InboundBuffer()
        let bytes = Array(repeating: UInt8(ascii: "a"), count: 100)
        bytes.withUnsafeBytes { buffer.append($0) }
        buffer.consume(60)
        XCTAssertEqual(buffer.count, 40)
        Array("bc".utf8).withUnsafeBytes { buffer.append($0) }
        XCTAssertEqual(buffer.count, 42)
        XCTAssertEqual(buffer.withUnsafeBytes { Array($0.suffix(2)) }, Array("bc".utf8))
        XCTAssertEqual(buffer.takeAll().count, 42)
        XCTAssertTrue(buffer.isEmpty)
    }
}
