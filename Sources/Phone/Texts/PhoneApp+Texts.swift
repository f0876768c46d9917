import Web

extension PhoneApp {
    /// The texts' webhooks (signed) and the dialer's API (logged in; CSRF on changes).
    func addTextRoutes() {
        router.webhook("/sms", gate: webhook, logger: logger, answeringLater: texts.incoming)
        router.webhook("/sms/status", gate: webhook, logger: logger, answeringLater: texts.status)
        router.add("GET", "/api/threads", logins.authenticated { [texts] _, session, responder in
            texts.threads(user: session.user, responder)
        })
        router.add("GET", "/api/threads/:id/messages", logins.authenticated { [texts] request, session, responder in
            texts.messages(request, user: session.user, responder)
        })
        router.add("POST", "/api/threads/:id/read", logins.authenticated(requireCSRF: true) { [texts] request, session, responder in
            texts.markRead(request, user: session.user, responder)
        })
        router.add("POST", "/api/messages", maxBodyBytes: TextRoutes.maxRequestBytes,
                   logins.authenticated(requireCSRF: true) { [texts] request, session, responder in
            texts.send(request, user: session.user, responder)
        })
        router.add("GET", "/api/messages/:sid/media/:n", logins.authenticated { [texts] request, session, responder in
            texts.media(request, user: session.user, responder)
        })
    }
}
