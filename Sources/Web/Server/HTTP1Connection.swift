import Logging

/// Speaks HTTP/1.x on one connection: feeds each socket event to its `HTTPConnectionStateMachine`
/// and carries out the actions it returns (hand a request to the application, write a response,
/// arm a deadline, pause reading, close). All lifecycle decisions live in the state machine.
final class HTTP1Connection: ConnectionHandler, ResponseReceiver {
    private let server: HTTPServer
    /// The connection this speaks on, from `start` until it closes (responses come back to it).
    private var connection: Connection?
    /// The state machine and the actions it made that are not carried out yet, together: an
    /// input is one access to this property (Swift checks each access to a class's `var` at run
    /// time when it cannot prove it alone), and so is taking a batch of actions out of it.
    private var core: Core
    /// True while `core` holds actions not taken yet (kept beside it: checking costs no access).
    private var hasPending = false
    /// A copy of `core.machine.isWaitingForDrain`, kept after every input: the drain callback
    /// of every response reads this, not the machine.
    private var waitingForDrain = false
    /// Storage for the next batch of actions, swapped in and out (a batch allocates nothing).
    private var spareActions: [Action] = []
    private var running = false
    /// When the request with the application was handed over (µs; 0 when nobody measures).
    private var dispatchedAtMicros: UInt64 = 0
    /// The clock when the current input arrived (µs): read once per input, it is the state
    /// machine's `now`, a dispatch's start and a response's end (two reads per request, not four).
    private var inputMicros: UInt64 = 0

    private typealias Action = HTTPConnectionStateMachine.Action

    /// The machine and its queued actions. A handler that answers synchronously re-enters
    /// through its `Responder`; its actions queue here and run in order instead of recursing.
    private struct Core {
        var machine: HTTPConnectionStateMachine
        var pending: [Action] = []

        /// Feeds one input to the machine: whether it left actions to carry out, and whether it now
        /// waits for the connection to drain.
        mutating func feed(_ input: (inout HTTPConnectionStateMachine, inout [Action]) -> Void) -> (Bool, Bool) {
            input(&machine, &pending)
            return (!pending.isEmpty, machine.isWaitingForDrain)
        }

        /// `feed` for a response: moved into the machine, not copied into a closure.
        mutating func respond(_ response: consuming Response, exchange: UInt64, queuedBytes: Int,
                              now: UInt64) -> (Bool, Bool) {
            machine.responseReady(response, exchange: exchange, queuedBytes: queuedBytes, now: now, into: &pending)
            return (!pending.isEmpty, machine.isWaitingForDrain)
        }

        mutating func close() {
            machine.closed()
            pending.removeAll()
        }

        /// Moves the queued actions into `batch` (which must be empty), with the request a
        /// `dispatch` among them hands to the application and the response a `respond` among them
        /// writes (at most one of each).
        mutating func take(into batch: inout [Action]) -> Handed {
            swap(&batch, &pending)
            return Handed(request: machine.takeRequest(), response: machine.takeResponse())
        }
    }

    /// What a batch of actions hands over, taken out of the machine with it.
    private struct Handed {
        var request: Request?
        var response: (response: Response, exchange: HTTPConnectionStateMachine.Exchange)?
    }

    init(server: HTTPServer, peerAddress: String, peerIsTrustedProxy: Bool) {
        self.server = server
        self.core = Core(machine: HTTPConnectionStateMachine(
            now: monotonicMillis(), limits: server.configuration.limits, bodyLimit: server.bodyLimit,
            budget: server.bodyBudget, peerAddress: peerAddress, peerIsTrustedProxy: peerIsTrustedProxy,
            proxies: server.configuration.trustedProxies))
    }

    func start(_ connection: Connection) {
        self.connection = connection
        run(connection) { machine, actions in machine.started(now: readClock(), into: &actions) }
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        run(connection) { machine, actions in machine.bytesRead(bytes, now: readClock(), into: &actions) }
    }

    func connectionReadEnded(_ connection: Connection) {
        run(connection) { machine, actions in machine.readEnded(now: readClock(), into: &actions) }
    }

    func connectionDidDrain(_ connection: Connection) {
        // Most responses drain as they are written; only a machine waiting for it hears of it.
        guard waitingForDrain else { return }
        run(connection) { machine, actions in machine.drained(now: readClock(), into: &actions) }
    }

    func connectionWroteSome(_ connection: Connection) {
        run(connection) { machine, actions in machine.wroteSome(now: readClock(), into: &actions) }
    }

    func connectionDeadlinePassed(_ connection: Connection) {
        // Only a wait for the drain asks the kernel how much of the response it still holds.
        let unsent = waitingForDrain ? connection.kernelUnsentBytes : 0
        run(connection) { machine, actions in
            machine.deadlinePassed(now: readClock(), kernelUnsent: unsent, into: &actions)
        }
    }

    func connectionServerIsStopping(_ connection: Connection) {
        run(connection) { machine, actions in machine.serverIsStopping(now: readClock(), into: &actions) }
    }

    func connectionDidClose(_ connection: Connection) {
        core.close()
        hasPending = false
        waitingForDrain = false
        self.connection = nil
    }

    func receive(_ response: consuming Response, exchange: UInt64) {
        guard let connection, connection.isOpen else { return }
        let queuedBytes = connection.queuedBytes
        let now = readClock()
        (hasPending, waitingForDrain) = core.respond(response, exchange: exchange, queuedBytes: queuedBytes, now: now)
        carryOut(connection)
    }

    /// Reads the monotonic clock for this input; monotonic ms for the state machine.
    private func readClock() -> UInt64 {
        inputMicros = monotonicMicros()
        return inputMicros / 1000
    }

    // MARK: Carrying out actions

    private func run(_ connection: Connection,
                     _ input: (inout HTTPConnectionStateMachine, inout [Action]) -> Void) {
        (hasPending, waitingForDrain) = core.feed(input)
        carryOut(connection)
    }

    /// Performs the pending actions in order, unless a call further up the stack is doing so.
    private func carryOut(_ connection: Connection) {
        guard !running else { return }
        running = true
        // A batch at a time, taken out of `core` in one access: actions a handler's answer adds
        // meanwhile go to `core` and run after it, in order.
        while hasPending {
            var actions: [Action] = []
            swap(&actions, &spareActions)
            var handed = core.take(into: &actions)
            hasPending = false
            for action in actions {
                // Closed by one of them: the rest have nothing to act on (`core` was emptied too).
                guard connection.isOpen else { break }
                perform(action, &handed, connection)
            }
            actions.removeAll(keepingCapacity: true)
            swap(&actions, &spareActions)
        }
        running = false
        connection.flushQueued()
    }

    private func perform(_ action: consuming Action, _ handed: inout Handed, _ connection: Connection) {
        switch consume action {
        case .writeContinue:
            connection.enqueue(HTTPResponseEncoder.continueHead)
        case .dispatch(let exchange):
            guard let request = handed.request.take() else { return }
            dispatchedAtMicros = server.accessLog != nil || server.observer != nil ? inputMicros : 0
            // No closure: the responder names this handler and the exchange (a response for an
            // exchange that is no longer current is ignored by the state machine).
            server.handler(request, Responder(loop: connection.loop, receiver: self, exchange: exchange))
        case .respond(let keepAlive):
            guard let (response, exchange) = handed.response.take() else { return }
            write(response, for: exchange, keepAlive: keepAlive, connection)
        case .refuse:
            // Rare (the connection's last answer): taken from the machine here, not with the batch.
            guard let error = core.machine.takeRefusal() else { return }
            refuse(error, connection)
        case .upgrade:
            guard let (upgrade, leftover) = core.machine.takeUpgrade() else { return }
            connection.flushQueued()
            let next = upgrade.makeHandler(connection)
            connection.switchHandler(to: next)
            if !leftover.isEmpty && connection.isOpen {
                leftover.withUnsafeBytes { next.connection(connection, didRead: $0) }
            }
        case .setDeadline(let deadline):
            connection.deadline = deadline
        case .pauseReading:
            connection.pauseReading()
        case .resumeReading:
            connection.resumeReading()
        case .yieldTurn:
            connection.loop.execute { [self, connection] in
                guard connection.isOpen else { return }
                run(connection) { machine, actions in machine.turnResumed(now: readClock(), into: &actions) }
            }
        case .closeAfterFlush:
            connection.flushQueued()
            connection.closeAfterFlush()
        case .close:
            connection.close()
        }
    }

    private func write(_ response: Response, for exchange: HTTPConnectionStateMachine.Exchange, keepAlive: Bool,
                       _ connection: Connection) {
        // Lengths first: "GET" is told from "HEAD" without a string comparison.
        let isHead = exchange.method.utf8.count == 4 && exchange.method == "HEAD"
        let body = isHead ? [] : response.body
        let file = isHead ? nil : response.file
        if let encoded = response.encodedHead, exchange.version == .http1_1 {
            // A response kept to be sent many times (a cached file): its head is ready but for
            // Date and Connection, which the loop keeps ready too. Nothing is built here.
            connection.write(head: encoded, tail: connection.loop.headTail(keepAlive: keepAlive), body: body, file: file)
        } else {
            let head = HTTPResponseEncoder.head(response, version: exchange.version,
                                                keepAlive: keepAlive || response.upgrade != nil,
                                                date: connection.loop.currentHTTPDate(), bodyLength: response.contentLength)
            connection.write(head: head, tail: [], body: body, file: file)
        }
        // `inputMicros` is when the response came back (`receive`), or the bytes that completed a request.
        let micros = dispatchedAtMicros == 0 ? 0 : Int(inputMicros &- dispatchedAtMicros)
        server.observer?.requestFinished(route: response.route ?? "", method: exchange.method,
                                         status: response.status.code, micros: micros)
        if let accessLog = server.accessLog {
            let buffer = accessLog.buffer(forLoop: connection.loop.index)
            buffer.append(client: exchange.client, method: exchange.method, target: exchange.target,
                          version: exchange.version, status: response.status.code, bodyBytes: response.contentLength,
                          micros: micros)
            accessLog.flushIfNeeded(buffer, force: false)
        }
    }

    private func refuse(_ error: HTTPError, _ connection: Connection) {
        server.observer?.requestFinished(route: "", method: "", status: error.status.code, micros: 0)
        if error.status == .requestTimeout {
            server.logger.info("closing \(connection.peerAddress): request not received within the time limit")
        } else {
            server.logger.debug("\(connection.peerAddress): \(error)")
        }
        let response = error.response
        let head = HTTPResponseEncoder.head(response, version: .http1_1, keepAlive: false,
                                            date: connection.loop.currentHTTPDate(), bodyLength: response.body.count)
        connection.enqueue(head)
        connection.enqueue(response.body)
    }
}
