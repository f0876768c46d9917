/// The routed entry point of a WebSocket endpoint: a `Handler` that validates the upgrade,
/// asks the application whether to accept it, negotiates compression and a subprotocol, and
/// answers 101 with the `WebSocket` that takes the connection over.
///
///     let upgrader = WebSocketUpgrader()
///     router.add("GET", "/ws", upgrader.handler(
///         shouldUpgrade: { request in sessionOK(request) ? .accept : .refuse(.unauthorized) },
///         onOpen: { socket, request in socket.onText = { socket, text in socket.send(text: text) } }))
public struct WebSocketUpgrader: Sendable {
    public var configuration: WebSocketConfiguration

    public init(configuration: WebSocketConfiguration = WebSocketConfiguration()) {
        self.configuration = configuration
    }

    /// `shouldUpgrade` runs after the request is known to be a valid upgrade and before the
    /// 101 (authentication, `Origin` allow-list). `onOpen` runs on the connection's loop right
    /// after the 101 head is queued, before any frame is read: set the callbacks there.
    public func handler(
        shouldUpgrade: @escaping @Sendable (Request) -> WebSocketUpgradeDecision = { _ in .accept },
        onOpen: @escaping @Sendable (WebSocket, Request) -> Void
    ) -> Handler {
        let upgrader = self
        return { request, responder in
            responder.send(upgrader.response(to: request, shouldUpgrade: shouldUpgrade, onOpen: onOpen))
        }
    }

    /// The response to an upgrade request: 101 with the upgrade, or the refusal.
    public func response(
        to request: Request,
        shouldUpgrade: (Request) -> WebSocketUpgradeDecision = { _ in .accept },
        onOpen: @escaping @Sendable (WebSocket, Request) -> Void
    ) -> Response {
        let key: String
        do {
            key = try WebSocketHandshake.validate(request)
        } catch let refusal as WebSocketHandshake.Refusal {
            return refusal.response
        } catch {
            return .error(.badRequest, "\(error)")
        }
        let headers: HTTPHeaders
        let chosenSubprotocol: String?
        let userInfo: [String: any Sendable]
        switch shouldUpgrade(request).kind {
        case .refuse(let response):
            return response
        case .accept(let acceptHeaders, let acceptSubprotocol, let acceptUserInfo):
            headers = acceptHeaders
            chosenSubprotocol = acceptSubprotocol
            userInfo = acceptUserInfo
        }
        let compression = configuration.compression
        let deflate = compression.flatMap {
            PerMessageDeflate.negotiate(request.headers.values("Sec-WebSocket-Extensions"), configuration: $0)
        }
        let offered = WebSocketHandshake.offeredSubprotocols(request)
        let subprotocol = chosenSubprotocol ?? configuration.subprotocols.first { offered.contains($0) }
        let upgrade = ConnectionUpgrade { connection in
            let socket = WebSocket(connection: connection, deflate: deflate, compression: compression,
                                   subprotocol: subprotocol, userInfo: userInfo)
            onOpen(socket, request)
            socket.start()
            return socket
        }
        return WebSocketHandshake.response(key: key, deflate: deflate, subprotocol: subprotocol, headers: headers,
                                           upgrade: upgrade)
    }
}
