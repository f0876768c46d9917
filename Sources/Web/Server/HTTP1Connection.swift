import Logging

/// Speaks HTTP/1.x on one connection: parses requests one after another (pipelined bytes wait
/// in the buffer), hands each to the application, writes responses in order, applies timeouts.
final class HTTP1Connection: ConnectionHandler {
    private let server: HTTPServer
    private var parser: HTTPRequestParser
    private var inbound: [UInt8] = []
    /// A request is with the application and its response has not been written yet.
    private var inFlight = false
    private var processing = false
    private var sentContinue = false
    private var requestStartedAt: UInt64 = 0
    private var generation: UInt64 = 0
    private var shuttingDown = false
    private var waitingForDrain = false
    /// Another protocol owns the connection now; this handler must not touch it again.
    private var upgraded = false
    private var current: (method: String, target: String, version: HTTPVersion, keepAlive: Bool, client: String, start: UInt64)?

    init(server: HTTPServer, limits: Limits) {
        self.server = server
        self.parser = HTTPRequestParser(limits: limits, bodyLimit: server.bodyLimit)
    }

    func start(_ connection: Connection) {
        connection.setDeadline(afterMillis: connection.limits.headerReadTimeoutMillis)
    }

    func connection(_ connection: Connection, didRead bytes: UnsafeRawBufferPointer) {
        if inbound.isEmpty && !parser.isMidRequest {
            requestStartedAt = monotonicMillis()
            if !inFlight { connection.setDeadline(afterMillis: connection.limits.headerReadTimeoutMillis) }
        }
        inbound.append(contentsOf: bytes)
        let limits = connection.limits
        // Raw bytes (chunk framing included) of one request plus what is pipelined behind it.
        if inbound.count > limits.maxHeaderBytes + 2 * limits.maxBodyBytes + 65_536 {
            if inFlight { connection.pauseReading(); return }
            fail(connection, HTTPError(.payloadTooLarge, "request exceeds \(limits.maxBodyBytes) bytes"))
            return
        }
        process(connection)
    }

    func connectionReadEnded(_ connection: Connection) {
        // Half-close: answer what is in flight, then close.
        if inFlight {
            shuttingDown = true
        } else {
            connection.closeAfterFlush()
        }
    }

    func connectionDidDrain(_ connection: Connection) {
        guard waitingForDrain else { return }
        waitingForDrain = false
        connection.resumeReading()
        if !processing { process(connection) }
    }

    func connectionDeadlinePassed(_ connection: Connection) {
        if inFlight { return }
        if parser.isMidRequest || !inbound.isEmpty {
            server.logger.info("closing \(connection.peerAddress): request not received within the time limit")
            fail(connection, HTTPError(.requestTimeout, "request not received in time"))
        } else {
            connection.close()
        }
    }

    func connectionDidClose(_ connection: Connection) {
        inbound = []
        generation &+= 1
    }

    /// The server is stopping: idle connections go now, busy ones after their response.
    func shutdown(_ connection: Connection) {
        shuttingDown = true
        if !inFlight && inbound.isEmpty && !parser.isMidRequest { connection.close() }
    }

    private func process(_ connection: Connection) {
        processing = true
        defer {
            processing = false
            connection.flushQueued()
        }
        while connection.isOpen && !inFlight && !upgraded && !inbound.isEmpty {
            // A client that pipelines requests but does not read the answers gets no more
            // answers until it does: responses wait in the kernel, not in our memory.
            if connection.queuedBytes > connection.limits.maxOutboundBytes {
                waitingForDrain = true
                connection.pauseReading()
                return
            }
            let step = inbound.withUnsafeBytes { parser.parse($0) }
            switch step {
            case .needMore:
                updateReadDeadline(connection)
                return
            case .head:
                updateReadDeadline(connection)
                if let head = parser.requestHead, head.expectsContinue, !sentContinue, head.version.minor >= 1 {
                    sentContinue = true
                    connection.enqueue(HTTPResponseEncoder.continueHead)
                }
            case .failure(let error):
                fail(connection, error)
                return
            case .request(let consumed):
                guard let head = parser.requestHead else { return }
                let body = parser.body
                parser.reset()
                sentContinue = false
                if consumed >= inbound.count {
                    inbound.removeAll(keepingCapacity: inbound.capacity <= 16_384)
                } else {
                    inbound.removeFirst(consumed)
                }
                dispatch(connection, head: head, body: body)
            }
        }
        if !inFlight && inbound.isEmpty && !upgraded {
            connection.setDeadline(afterMillis: connection.limits.idleTimeoutMillis)
        }
    }

    private func updateReadDeadline(_ connection: Connection) {
        let limits = connection.limits
        let timeout = parser.requestHead == nil ? limits.headerReadTimeoutMillis : limits.bodyReadTimeoutMillis
        connection.deadline = requestStartedAt + UInt64(timeout)
    }

    private func dispatch(_ connection: Connection, head: HTTPRequestHead, body: [UInt8]) {
        let path: String
        let query: String
        do {
            (path, query) = try RequestTarget.split(head.target)
        } catch let error as HTTPError {
            fail(connection, error)
            return
        } catch {
            fail(connection, HTTPError(.badRequest, "bad request target"))
            return
        }
        let origin = RequestOrigin(peerAddress: connection.peerAddress, peerIsTrustedProxy: connection.peerIsTrustedProxy,
                                   headers: head.headers, proxies: server.configuration.trustedProxies)
        let request = Request(method: head.method, target: head.target, path: path, query: query,
                              version: head.version, headers: head.headers, body: body, origin: origin)
        inFlight = true
        connection.clearDeadline()
        current = (head.method, head.target, head.version, head.keepAlive && !shuttingDown, origin.clientAddress,
                   server.accessLog || server.observer != nil ? monotonicMicros() : 0)
        let expected = generation
        // Strong captures: weak references to Connection cost a side-table on every retain, and the
        // responder lives only until its one response (checked by generation) is written.
        let responder = Responder(loop: connection.loop) { [self, connection] response in
            guard connection.isOpen, self.generation == expected, self.inFlight else { return }
            self.generation &+= 1
            self.respond(connection, response)
        }
        server.handler(request, responder)
    }

    private func respond(_ connection: Connection, _ response: Response) {
        guard let current else { return }
        inFlight = false
        self.current = nil
        let keepAlive = current.keepAlive && !shuttingDown && !server.isStopping
        let isHead = current.method == "HEAD"
        let head = HTTPResponseEncoder.head(response, version: current.version, keepAlive: keepAlive || response.upgrade != nil,
                                            date: connection.loop.currentHTTPDate(), bodyLength: response.body.count)
        if isHead || response.body.isEmpty {
            connection.enqueue(head)
        } else {
            connection.enqueue(head)
            connection.enqueue(response.body)
        }
        let micros = current.start == 0 ? 0 : Int(monotonicMicros() &- current.start)
        server.observer?.requestFinished(route: response.route ?? "", method: current.method,
                                         status: response.status.code, micros: micros)
        if server.accessLog {
            let millis = Double(micros / 100) / 10
            server.logger.info("\(current.client) \"\(current.method) \(current.target.prefix(200)) \(current.version)\" \(response.status.code) \(response.body.count) \(millis)ms")
        }
        if let upgrade = response.upgrade, response.status.code == 101 {
            upgraded = true
            connection.flushQueued()
            let next = upgrade.makeHandler(connection)
            connection.switchHandler(to: next)
            let leftover = inbound
            inbound = []
            if !leftover.isEmpty && connection.isOpen {
                leftover.withUnsafeBytes { next.connection(connection, didRead: $0) }
            }
            return
        }
        if !keepAlive {
            connection.flushQueued()
            connection.closeAfterFlush()
            return
        }
        connection.resumeReading()
        if !processing {
            process(connection)
        }
    }

    private func fail(_ connection: Connection, _ error: HTTPError) {
        server.observer?.requestFinished(route: "", method: "", status: error.status.code, micros: 0)
        server.logger.debug("\(connection.peerAddress): \(error.status.code) \(error.message)")
        let response = Response.error(error.status, error.message)
        let head = HTTPResponseEncoder.head(response, version: .http1_1, keepAlive: false,
                                            date: connection.loop.currentHTTPDate(), bodyLength: response.body.count)
        inbound = []
        parser.reset()
        connection.enqueue(head)
        connection.enqueue(response.body)
        connection.flushQueued()
        connection.closeAfterFlush()
    }
}
