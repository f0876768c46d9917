/// The lifecycle of one HTTP/1.x connection, with no socket in it: bytes in, actions out.
///
/// One method per input (bytes read, response ready, drained, deadline passed, read end, server
/// stopping, next loop turn, closed); each appends the actions the connection must take, in order.
/// Time comes in as `now` (monotonic ms), so tests drive it with a fake clock. It owns the unparsed
/// bytes and the parser, answers requests one at a time in order (pipelined bytes wait in the
/// buffer), and decides every deadline. Modelled on NIO's `HTTPServerPipelineHandler` and
/// Hummingbird's connection state machine.
struct HTTPConnectionStateMachine {
    /// A request with the application, not answered yet.
    struct Exchange: Equatable {
        /// Which request this is on the connection; a response for another one is ignored.
        let id: UInt64
        let method: String
        let target: String
        let version: HTTPVersion
        /// What the request asked for (version default + `Connection`).
        let keepAlive: Bool
        let client: String
    }

    /// A request whose bytes are arriving.
    struct Receiving: Equatable {
        /// When its first byte came: the header and body timeouts count from here.
        let startedAt: UInt64
        var headDone = false
    }

    enum State: Equatable {
        /// Between requests, nothing buffered; closed quietly at `deadline`.
        case idle(deadline: UInt64)
        case receiving(Receiving)
        case responding(Exchange)
        /// Responses the peer has not read passed `maxOutboundBytes` (or a file is going out):
        /// reading and parsing wait until it reads them. The idle timeout counts from `since`, the
        /// last time the peer was seen taking any of them, so a slow reader that keeps reading is
        /// not cut off. `kernelUnsent` is what the socket's own buffer held then, when looked at.
        case waitingForDrain(since: UInt64, kernelUnsent: Int?)
        /// `maxPipelinedRequests` were answered in one turn: the rest wait for the next loop turn.
        case waitingForTurn
        /// The last response is queued with `Connection: close`; the connection closes once it is written.
        case closing
        /// Another protocol (WebSocket) owns the connection.
        case upgraded
        case closed
    }

    /// The heavy parts (a request, a response, an error, an upgrade) wait in the machine until the
    /// connection takes them (`takeRequest`, `takeResponse`, `takeRefusal`, `takeUpgrade`): an
    /// action is plain data, a few words, queued, copied and dropped without reference counting.
    enum Action {
        /// Queue `HTTPResponseEncoder.continueHead` (`100 Continue`).
        case writeContinue
        /// Hand the request (`takeRequest()`) to the application.
        case dispatch(exchange: UInt64)
        /// Queue the application's response (`takeResponse()`).
        case respond(keepAlive: Bool)
        /// Queue the error (`takeRefusal()`) as the connection's last response (`Connection: close`).
        case refuse
        /// Switch the connection to another protocol (`takeUpgrade()`: the upgrade, and the bytes
        /// after the request, already its own).
        case upgrade
        /// Absolute monotonic ms; 0 clears it.
        case setDeadline(UInt64)
        case pauseReading
        case resumeReading
        /// Call `turnResumed` on the next loop turn.
        case yieldTurn
        case closeAfterFlush
        case close
    }

    private(set) var state: State
    let limits: Limits
    private var buffer = InboundBuffer()
    private var parser: HTTPRequestParser
    private let budget: RequestBodyBudget
    private let peerAddress: String
    private let peerIsTrustedProxy: Bool
    private let proxies: TrustedProxies
    /// The peer sent EOF: answer what is complete, then close.
    private var peerClosedRead = false
    /// The server is stopping: answer what is in flight with `Connection: close`, keep nothing idle.
    private var serverStopping = false
    private var deadline: UInt64 = 0
    private var lastExchangeID: UInt64 = 0
    private var answeredThisTurn = 0
    /// Taken from the `RequestBodyBudget` for the body of the request being received or answered;
    /// given back with its response (or when the connection gives up on it). Kept here, not in
    /// the state's payload, so giving it back copies nothing.
    private var reservedBodyBytes = 0
    /// The request of the last `dispatch` action, until the connection takes it.
    private var requestToDispatch: Request?
    /// The response of the last `respond` action and the exchange it answers, until taken.
    private var responseToSend: (response: Response, exchange: Exchange)?
    /// The error of the last `refuse` action, until taken.
    private var errorToRefuse: HTTPError?
    /// The upgrade of the last `upgrade` action and the bytes left after its request, until taken.
    private var upgradeToRun: (upgrade: ConnectionUpgrade, leftover: [UInt8])?

    init(now: UInt64, limits: Limits, bodyLimit: BodyLimit?, budget: RequestBodyBudget,
         peerAddress: String, peerIsTrustedProxy: Bool, proxies: TrustedProxies) {
        self.limits = limits
        self.parser = HTTPRequestParser(limits: limits, bodyLimit: bodyLimit)
        self.budget = budget
        self.peerAddress = peerAddress
        self.peerIsTrustedProxy = peerIsTrustedProxy
        self.proxies = proxies
        self.state = .idle(deadline: now + UInt64(limits.headerReadTimeoutMillis))
    }

    /// The request the last `dispatch` action hands over; nil once taken. Actions are carried out
    /// in order, so one is taken before the next is made.
    mutating func takeRequest() -> Request? { requestToDispatch.take() }

    /// The response (and its exchange) the last `respond` action queues; nil once taken.
    mutating func takeResponse() -> (response: Response, exchange: Exchange)? { responseToSend.take() }

    /// The error the last `refuse` action answers with; nil once taken.
    mutating func takeRefusal() -> HTTPError? { errorToRefuse.take() }

    /// The upgrade the last `upgrade` action switches to, with the bytes that are already its own.
    mutating func takeUpgrade() -> (upgrade: ConnectionUpgrade, leftover: [UInt8])? { upgradeToRun.take() }

    /// True while `drained` would do something (the only state it acts in).
    var isWaitingForDrain: Bool {
        if case .waitingForDrain = state { return true }
        return false
    }

    /// Unparsed bytes held for this connection.
    var bufferedBytes: Int { buffer.count }

    // MARK: Inputs

    /// The connection is registered: arm the first request's header timeout.
    mutating func started(now: UInt64, into actions: inout [Action]) {
        updateDeadline(&actions)
    }

    mutating func bytesRead(_ bytes: UnsafeRawBufferPointer, now: UInt64, into actions: inout [Action]) {
        switch state {
        case .closing, .upgraded, .closed:
            return
        case .idle, .receiving, .responding, .waitingForDrain, .waitingForTurn:
            break
        }
        answeredThisTurn = 0
        if buffer.isEmpty, case .idle = state, bytes.count <= limits.maxInboundBytes {
            // The common case, a request arriving whole on an idle connection: parsed where it
            // was read; only what it leaves (a pipelined request, a partial head) is kept.
            let consumed = advance(now: now, &actions, fresh: bytes)
            switch state {
            case .closing, .upgraded, .closed:
                break
            case .idle, .receiving, .responding, .waitingForDrain, .waitingForTurn:
                if consumed < bytes.count { buffer.append(UnsafeRawBufferPointer(rebasing: bytes[consumed...])) }
            }
            updateDeadline(&actions)
            return
        }
        buffer.append(bytes)
        if buffer.count > limits.maxInboundBytes {
            switch state {
            case .responding, .waitingForDrain, .waitingForTurn:
                // Pipelined bytes wait in the kernel, not here, until this response is out.
                actions.append(.pauseReading)
                return
            default:
                refuse(HTTPError(.payloadTooLarge, "a request is at most \(limits.maxInboundBytes) bytes"), &actions)
                return
            }
        }
        advance(now: now, &actions)
        updateDeadline(&actions)
    }

    /// The application answered `exchange`; `queuedBytes` are written-out bytes still waiting.
    mutating func responseReady(_ response: consuming Response, exchange id: UInt64, queuedBytes: Int, now: UInt64,
                                into actions: inout [Action]) {
        guard case .responding(let exchange) = state, exchange.id == id else { return }
        releaseHeldBudget()
        // A response carrying an upgrade hands the connection on: a WebSocket's 101, or a 200
        // whose body the next handler streams until the connection closes (Server-Sent Events).
        if let upgrade = response.upgrade {
            state = .upgraded
            responseToSend = (consume response, exchange)
            actions.append(.respond(keepAlive: true))
            upgradeToRun = (upgrade, buffer.takeAll())
            actions.append(.upgrade)
            return
        }
        let lastOne = serverStopping || (peerClosedRead && buffer.isEmpty)
        let keepAlive = exchange.keepAlive && !lastOne
        // Read before the response moves into its action.
        let waitsForDrain = response.file != nil || queuedBytes + response.body.count > limits.maxOutboundBytes
        responseToSend = (consume response, exchange)
        actions.append(.respond(keepAlive: keepAlive))
        if !keepAlive {
            close(afterFlush: true, &actions)
            return
        }
        state = .idle(deadline: now + UInt64(limits.idleTimeoutMillis))
        if waitsForDrain {
            // A client that pipelines but does not read its answers gets no more until it does.
            // A file goes out whole before the next request is read: nothing queues behind it.
            state = .waitingForDrain(since: now, kernelUnsent: nil)
            actions.append(.pauseReading)
            updateDeadline(&actions)
            return
        }
        if !peerClosedRead { actions.append(.resumeReading) }
        advance(now: now, &actions)
        updateDeadline(&actions)
    }

    /// Everything queued has been written.
    mutating func drained(now: UInt64, into actions: inout [Action]) {
        guard case .waitingForDrain = state else { return }
        state = .idle(deadline: now + UInt64(limits.idleTimeoutMillis))
        if !peerClosedRead { actions.append(.resumeReading) }
        advance(now: now, &actions)
        updateDeadline(&actions)
    }

    /// Some, not all, of what is queued was written: the peer is reading, however slowly.
    mutating func wroteSome(now: UInt64, into actions: inout [Action]) {
        guard case .waitingForDrain = state else { return }
        state = .waitingForDrain(since: now, kernelUnsent: nil)
        updateDeadline(&actions)
    }

    /// The loop came back after a `yieldTurn`.
    mutating func turnResumed(now: UInt64, into actions: inout [Action]) {
        guard case .waitingForTurn = state else { return }
        answeredThisTurn = 0
        state = .idle(deadline: now + UInt64(limits.idleTimeoutMillis))
        if !peerClosedRead { actions.append(.resumeReading) }
        advance(now: now, &actions)
        updateDeadline(&actions)
    }

    /// `kernelUnsent` is what the socket's send buffer still holds (`SIOCOUTQ`). A large kernel
    /// buffer can take minutes to drain to a slow reader without the connection writing anything:
    /// while that number goes down the peer is reading, and the wait goes on. A peer that reads
    /// nothing is dropped after one idle timeout (two when the kernel holds some of the response).
    mutating func deadlinePassed(now: UInt64, kernelUnsent: Int = 0, into actions: inout [Action]) {
        deadline = 0
        if case .waitingForDrain(_, let seen) = state, kernelUnsent > 0, kernelUnsent < seen ?? Int.max {
            state = .waitingForDrain(since: now, kernelUnsent: kernelUnsent)
            updateDeadline(&actions)
            return
        }
        switch state {
        case .idle:
            close(afterFlush: false, &actions)
        case .receiving:
            refuse(HTTPError(.requestTimeout, "the request did not arrive in time"), &actions)
        case .waitingForDrain:
            close(afterFlush: false, &actions)
        case .responding, .waitingForTurn, .closing, .upgraded, .closed:
            break
        }
    }

    /// The peer closed its sending side (EOF).
    mutating func readEnded(now: UInt64, into actions: inout [Action]) {
        peerClosedRead = true
        switch state {
        case .idle, .receiving:
            // Nothing in flight; a half-received request can never complete.
            close(afterFlush: true, &actions)
        case .responding, .waitingForDrain, .waitingForTurn:
            // EOF stays readable: stop asking until the answers are out.
            actions.append(.pauseReading)
        case .closing, .upgraded, .closed:
            break
        }
    }

    /// The server is stopping: idle connections go now, busy ones after their response.
    mutating func serverIsStopping(now: UInt64, into actions: inout [Action]) {
        serverStopping = true
        switch state {
        case .idle:
            close(afterFlush: false, &actions)
        case .waitingForDrain, .waitingForTurn:
            close(afterFlush: true, &actions)
        case .receiving, .responding, .closing, .upgraded, .closed:
            break
        }
    }

    /// The connection is closed: give back whatever budget is still held.
    mutating func closed() {
        releaseHeldBudget()
        requestToDispatch = nil
        responseToSend = nil
        errorToRefuse = nil
        upgradeToRun = nil
        state = .closed
        buffer.removeAll()
        parser.reset()
    }

    // MARK: Parsing

    /// Parses buffered bytes until a request goes to the application or more bytes are needed.
    /// With `fresh` (only while `buffer` is empty) it parses those instead and returns how many
    /// it consumed; the caller keeps the rest.
    @discardableResult
    private mutating func advance(now: UInt64, _ actions: inout [Action], fresh: UnsafeRawBufferPointer? = nil) -> Int {
        var receiving: Receiving
        switch state {
        case .idle:
            if buffer.isEmpty && fresh == nil {
                if peerClosedRead || serverStopping { close(afterFlush: true, &actions) }
                return 0
            }
            if answeredThisTurn >= limits.maxPipelinedRequests {
                state = .waitingForTurn
                actions.append(.pauseReading)
                actions.append(.yieldTurn)
                return 0
            }
            receiving = Receiving(startedAt: now)
        case .receiving(let current):
            receiving = current
        case .responding, .waitingForDrain, .waitingForTurn, .closing, .upgraded, .closed:
            return 0
        }

        let step: HTTPRequestParser.Step
        if let fresh {
            step = parser.parse(fresh)
        } else {
            step = buffer.withUnsafeBytes { parser.parse($0) }
        }
        var consumed = 0
        switch step {
        case .failure(let error):
            state = .receiving(receiving)
            refuse(error, &actions)
        case .needMore, .head:
            if step == .head, let head = parser.requestHead {
                receiving.headDone = true
                if let length = head.contentLength, length > 0 {
                    guard budget.reserve(length) else {
                        refuseForBudget(receiving, &actions)
                        return 0
                    }
                    reservedBodyBytes = length
                }
                if head.expectsContinue && head.version.minor >= 1 {
                    actions.append(.writeContinue)
                }
            }
            // The parser holds the body decoded; the raw bytes it is done with go.
            consumed = parser.discardParsed()
            if fresh == nil { buffer.consume(consumed) }
            if parser.body.count > reservedBodyBytes {
                // A chunked body reserves as it grows, in steps so the shared counter is not hot.
                let wanted = min(parser.maxBodyBytes, max(parser.body.count, reservedBodyBytes + 16 * 1024))
                guard budget.reserve(wanted - reservedBodyBytes) else {
                    refuseForBudget(receiving, &actions)
                    return 0
                }
                reservedBodyBytes = wanted
            }
            state = .receiving(receiving)
            if peerClosedRead { close(afterFlush: true, &actions) }
        case .request(let used):
            guard let (head, body) = parser.takeRequest() else { return 0 }
            consumed = used
            if fresh == nil { buffer.consume(used) }
            if body.count > reservedBodyBytes {
                guard budget.reserve(body.count - reservedBodyBytes) else {
                    refuseForBudget(receiving, &actions)
                    return 0
                }
                reservedBodyBytes = body.count
            }
            state = .receiving(receiving)
            dispatch(head, body, receiving, &actions)
        }
        return consumed
    }

    private mutating func dispatch(_ head: consuming HTTPRequestHead, _ body: consuming [UInt8], _ receiving: Receiving,
                                   _ actions: inout [Action]) {
        let path: String
        let query: String
        do {
            (path, query) = try RequestTarget.split(head.target)
        } catch {
            return refuse(HTTPError(answering: error), &actions)
        }
        let origin = RequestOrigin(peerAddress: peerAddress, peerIsTrustedProxy: peerIsTrustedProxy, host: head.host,
                                   headers: head.headers, proxies: proxies)
        lastExchangeID &+= 1
        answeredThisTurn += 1
        state = .responding(Exchange(id: lastExchangeID, method: head.method, target: head.target,
                                     version: head.version, keepAlive: head.keepAlive, client: origin.clientAddress))
        // The head's parts and the origin move into the request: nothing is copied.
        requestToDispatch = Request(method: head.method, target: head.target, path: path, query: query,
                                    version: head.version, headers: head.headers, body: body, origin: consume origin)
        actions.append(.dispatch(exchange: lastExchangeID))
    }

    private mutating func refuseForBudget(_ receiving: Receiving, _ actions: inout [Action]) {
        state = .receiving(receiving)
        refuse(HTTPError(.serviceUnavailable, "the server is busy receiving other requests; try again shortly")
            .adding("Retry-After", "1"), &actions)
    }

    /// The stream can no longer be trusted: answer `error` and close.
    private mutating func refuse(_ error: HTTPError, _ actions: inout [Action]) {
        errorToRefuse = error
        actions.append(.refuse)
        close(afterFlush: true, &actions)
    }

    private mutating func close(afterFlush: Bool, _ actions: inout [Action]) {
        releaseHeldBudget()
        buffer.removeAll()
        parser.reset()
        if afterFlush {
            state = .closing
            actions.append(.closeAfterFlush)
        } else {
            state = .closed
            actions.append(.close)
        }
    }

    /// Gives back the budget the request being received or answered holds, once.
    private mutating func releaseHeldBudget() {
        guard reservedBodyBytes > 0 else { return }
        budget.release(reservedBodyBytes)
        reservedBodyBytes = 0
    }

    // MARK: Deadlines

    /// Each state has at most one deadline; the connection hears of it only when it changes.
    private mutating func updateDeadline(_ actions: inout [Action]) {
        let wanted: UInt64
        switch state {
        case .idle(let at):
            wanted = at
        case .receiving(let receiving):
            let timeout = receiving.headDone ? limits.bodyReadTimeoutMillis : limits.headerReadTimeoutMillis
            wanted = receiving.startedAt + UInt64(timeout)
        case .waitingForDrain(let since, _):
            wanted = since + UInt64(limits.idleTimeoutMillis)
        case .responding, .waitingForTurn:
            wanted = 0
        case .closing, .upgraded, .closed:
            // The connection's own linger (or the new protocol) owns the deadline now.
            return
        }
        if wanted != deadline {
            deadline = wanted
            actions.append(.setDeadline(wanted))
        }
    }
}
