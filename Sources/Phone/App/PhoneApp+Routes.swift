import Glibc
import Logging
import Web

extension PhoneApp {
    /// Every route of the app, relative to `[app] base_path`.
    func addRoutes() {
        router.add("GET", "/login", logins.showLoginHandler)
        // The template itself is not a page: its placeholders are filled in by GET /login.
        router.get("/login.html") { _ in .redirect(to: "login", status: .movedPermanently) }
        router.add("POST", "/login", metrics.countingLogins(logins.loginHandler))
        router.add("POST", "/logout", logins.logoutHandler)
        router.add("GET", "/logout", logins.logoutPageHandler)
        router.add("GET", "/api/me", logins.authenticated { [self] _, session, responder in
            responder.send(.json(me(session).text))
        })
        router.add("GET", "/token", logins.authenticated { [voiceRoutes] _, session, responder in
            responder.send(voiceRoutes.token(for: session.user))
        })
        router.add("GET", "/presets", logins.authenticated { [self] _, _, responder in
            responder.send(.json(live.telephony.presets.json.text))
        })
        router.webhook("/voice", gate: webhook, logger: logger, answeringLater: voiceRoutes.voice)
        router.webhook("/status", gate: webhook, logger: logger, answeringLater: voiceRoutes.status)
        router.add("GET", "/api/calls", logins.authenticated { [callHistory] request, session, responder in
            callHistory.list(request, user: session.user, responder)
        })
        router.add("POST", "/api/calls/seen", logins.authenticated(requireCSRF: true) { [callHistory] _, session, responder in
            callHistory.markSeen(user: session.user, responder)
        })
        addTextRoutes()
        contactRoutes.register(on: router, logins: logins)
        router.webhook("/voice/screen", gate: webhook, logger: logger) { [voiceRoutes] request, form in voiceRoutes.screen(request, form) }
        router.webhook("/voicemail/recorded", gate: webhook, logger: logger) { [voiceRoutes] request, form in voiceRoutes.recorded(request, form) }
        router.get("/voicemail/greeting/:key") { [voiceRoutes] request in voiceRoutes.greeting(request.parameters["key"] ?? "") }
        router.add("GET", "/ws", webSocketHandler())
        router.add("GET", "/events", eventStreamHandler())
        away.register(on: router, gate: webhook, logins: logins, logger: logger)
        intercomRoutes.register(on: router)
        router.add("GET", "/api/intercom", logins.authenticated { [intercomRoutes] request, session, responder in
            responder.send(intercomRoutes.status(request, user: session.user))
        })
        router.add("POST", "/api/intercom/grant", logins.authenticated(requireCSRF: true) { [intercomRoutes] request, session, responder in
            intercomRoutes.changeGrant(request, user: session.user, responder)
        })
        router.add("DELETE", "/api/intercom/grant", logins.authenticated(requireCSRF: true) { [intercomRoutes] request, session, responder in
            intercomRoutes.endGrant(request, user: session.user, responder)
        })
        router.get("/healthz") { [self] _ in health.response(server: server) }
        router.get("/metrics") { [metricsEndpoint] request in metricsEndpoint.respond(to: request) }
        // The policy is part of each cached page's encoded head: nothing is added per response.
        let policy = ContentSecurityPolicy(sdkURL: config.app.twilioSDKURL)
        let files = StaticFiles(root: config.server.publicDir,
                                pageFields: HTTPHeaders([(ContentSecurityPolicy.headerName, policy.header)]), logger: logger)
        let pages = { (request: Request) in files.respond(to: request) }
        router.add("GET", "/", logins.dialerPage(pages))
        router.fallback { request, responder in responder.send(pages(request)) }
    }

    func me(_ session: Session) -> JSON {
        let telephony = live.telephony
        return JSON.object([
            ("user", .string(session.user)),
            ("csrf", .string(session.csrfToken)),
            ("numbers", .array(telephony.plan.numbers(of: session.user).map { .string($0.e164) })),
            ("sdkUrl", .string(config.app.twilioSDKURL)),
            ("accessTokens", .bool(twilio.issuesAccessTokens)),
            // `allowed_countries`: the dialer says so before calling a number the server refuses.
            ("allowedCountries", .array(telephony.plan.allowedRegions.sorted().map { .string($0) })),
        ])
    }

    /// `GET /ws`: logged-in dialers from our own origin only; each joins its user's, session's
    /// and numbers' rooms, plus the room every dialer is in.
    func webSocketHandler() -> Handler {
        let upgrader = WebSocketUpgrader()
        return upgrader.handler(shouldUpgrade: { [self] request in
            guard let session = logins.requireSession(request) else {
                return .refuse(.json("{\"error\":\"login required\"}", status: .unauthorized))
            }
            let origin = request.headers["Origin"]
            if !isOwnOrigin(origin, of: request) {
                let shown = origin.map { String($0.prefix(100)) } ?? "(none)"
                logger.warning("WebSocket from \(request.origin.clientAddress) refused: Origin \(shown) is not this site")
                return .refuse(.forbidden, "Origin \(shown) is not allowed")
            }
            return .accept(userInfo: ["user": session.user, "session": session.room])
        }, onOpen: { [self] socket, _ in
            guard let user = socket.userInfo["user"] as? String, let sessionRoom = socket.userInfo["session"] as? String else {
                socket.close(code: .policyViolation, reason: "no session")
                return
            }
            var joined = [RoomName.user(user), sessionRoom, RoomName.everyone]
            joined += live.telephony.plan.numbers(of: user).map { RoomName.number($0.e164) }
            for room in joined { rooms.join(room, socket) }
            socket.onText = { _, _ in }  // The dialer only listens; anything it says is ignored.
            socket.send(text: PhoneEvent("hello", JSON.object([
                ("user", .string(user)), ("rooms", .array(joined.map { .string($0) })),
            ]), rooms: []).json)
        })
    }

    /// With `[app] public_url`: true only for its scheme and host (browsers always send Origin
    /// on a WebSocket, so a missing one is refused too). Without it: the scheme and host this
    /// request reached (through the proxy), or no Origin at all (not a browser).
    func isOwnOrigin(_ origin: String?, of request: Request) -> Bool {
        if let publicURL = config.app.publicURL {
            guard let origin else { return false }
            return origin.lowercased() == TwilioWebhook.origin(of: publicURL).lowercased()
        }
        guard let origin else { return true }
        guard let host = request.origin.host else { return false }
        return origin == request.origin.scheme + "://" + host
    }
}
