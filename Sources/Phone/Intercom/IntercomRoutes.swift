import Logging
import Web

/// The intercom's HTTP side: the Twilio webhook and the grant link (public, mounted with
/// `register(on:)`), and the dialer's JSON routes, which take the logged-in user so the app
/// can wrap them in its session and CSRF check.
public final class IntercomRoutes: @unchecked Sendable {
    public let intercom: Intercom
    public let webhookGate: TwilioWebhook
    public let throttle: GrantCodeThrottle
    private let logger: Logger
    private let clock: @Sendable () -> Int
    /// `[app] timezone`: the grant page shows its times there.
    public let timeZone: ZoneInfo

    /// `{"minutes":30,"action":"extend"}` is a few dozen bytes.
    public static let maxJSONBytes = 4096

    public init(intercom: Intercom, webhook: TwilioWebhook, logger: Logger, throttle: GrantCodeThrottle? = nil,
                clock: @escaping @Sendable () -> Int = Intercom.systemClock, timeZone: ZoneInfo = .utc) {
        self.timeZone = timeZone
        self.intercom = intercom
        self.webhookGate = webhook
        self.logger = logger
        self.clock = clock
        self.throttle = throttle ?? GrantCodeThrottle(clock: clock)
    }

    /// `POST <[intercom] path>` (Twilio) and `GET /grant` (the bookmark). The JSON routes need
    /// the session check and are mounted by the app.
    public func register(on router: Router) {
        // At `/` (the intercom seed's place) only POST: `GET /` stays the dialer.
        let methods = intercom.settings.path == "/" ? ["POST"] : ["POST", "GET"]
        router.webhook(intercom.settings.path, methods: methods, gate: webhookGate, logger: logger) { [self] request, form in answer(request, form) }
        router.get("/grant") { [self] request in grantPage(request) }
    }

    // MARK: Twilio

    /// The intercom webhook: signature checked over the URL with its query, then the decision.
    public func webhook(_ request: Request) -> Response {
        webhookGate.respond(to: request, logger: logger) { request, form in answer(request, form) }
    }

    /// The decision for a webhook that passed the gate.
    func answer(_ request: Request, _ form: [(String, String)]) -> Response {
        let query: [(String, String)]
        do { query = try request.queryItems() } catch { return .error(.badRequest, "the query string could not be decoded") }
        let call = IntercomCall(target: request.target, query: query, form: form)
        return .xml(intercom.answer(call).twiml.xml)
    }

    // MARK: The grant link

    /// `GET /grant?code=SECRET[&minutes=N]`: opens the door for N minutes (default
    /// `grant_minutes`, at most `max_grant_minutes`). 404 without a `grant_code`, 403 "no" for
    /// a wrong code, 429 after too many wrong ones from one address, 400 for a bad `minutes`.
    public func grantPage(_ request: Request) -> Response {
        guard let secret = intercom.settings.grantCode else { return .error(.notFound) }
        let code: String?
        do { code = try request.queryValue("code") } catch { return IntercomRoutes.no() }
        guard let code, !code.isEmpty else { return IntercomRoutes.no() }
        let client = request.origin.clientAddress
        if case let .limited(retryAfter) = throttle.admit(client: client) {
            logger.warning("intercom: grant link refused for \(client): too many wrong codes")
            var response = Response.text("Too many wrong codes. Try again later.\n", status: .tooManyRequests)
            response.headers.set("Retry-After", String(retryAfter))
            return IntercomRoutes.private(response)
        }
        // Digests have one length whatever the guess: the comparison says nothing about the secret's length.
        let matches = HMAC.constantTimeEquals(HMAC.sha256Digest(Array(code.utf8)), HMAC.sha256Digest(Array(secret.utf8)))
        guard matches else {
            logger.warning("intercom: wrong grant code from \(client)")
            return IntercomRoutes.no()
        }
        throttle.succeeded(client: client)
        let minutes: Int?
        switch (try? request.queryValue("minutes")).flatMap({ $0 }) {
        case nil: minutes = nil
        case let text?:
            guard let number = Int(text), number >= 1 else {
                return IntercomRoutes.private(.text("minutes must be a whole number from 1 to \(intercom.settings.maxGrantMinutes)\n", status: .badRequest))
            }
            minutes = number
        }
        do {
            let grant = try intercom.grantFromLink(minutes: minutes)
            return IntercomRoutes.private(.html(GrantPage.html(grant: grant, now: clock(), zone: timeZone)))
        } catch {
            logger.error("intercom: grant link: \(error)")
            return IntercomRoutes.private(.error(.internalServerError, "The grant could not be saved."))
        }
    }

    /// A wrong or missing code learns nothing more than this.
    static func no() -> Response {
        IntercomRoutes.private(.text("no\n", status: .forbidden))
    }

    /// The code is in the URL: keep the page out of caches, referrers and search engines.
    static func `private`(_ response: Response) -> Response {
        var response = response
        response.headers.set("Cache-Control", "no-store")
        response.headers.set("Referrer-Policy", "no-referrer")
        response.headers.set("X-Robots-Tag", "noindex")
        response.headers.set("Content-Security-Policy", "default-src 'none'")
        return response
    }

    // MARK: The dialer (wrap these in the session check; POST and DELETE also in the CSRF check)

    /// `GET /api/intercom`.
    public func status(_ request: Request, user: String) -> Response {
        .json(intercom.status().text)
    }

    /// `POST /api/intercom/grant` with `{"minutes":30}` (default `grant_minutes`) and optionally
    /// `"action":"start"|"extend"`: without an action a running grant is extended (capped at
    /// now + `max_grant_minutes`), else one starts. `start` on a running grant sets its end to
    /// now + minutes. Answers like `GET /api/intercom`.
    public func changeGrant(_ request: Request, user: String) -> Response {
        guard request.body.count <= IntercomRoutes.maxJSONBytes else {
            return IntercomRoutes.jsonError(.payloadTooLarge, "the body is at most \(IntercomRoutes.maxJSONBytes) bytes")
        }
        var minutes = intercom.settings.grantMinutes
        var action: Intercom.GrantAction?
        if !request.body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            let body: JSON
            do { body = try JSONParser.parse(request.body) } catch {
                return IntercomRoutes.jsonError(.badRequest, "the body is not JSON: \(error)")
            }
            guard case .object = body else { return IntercomRoutes.jsonError(.badRequest, "the body must be a JSON object") }
            if let value = body["minutes"], !value.isNull {
                guard let number = value.intValue else {
                    return IntercomRoutes.jsonError(.badRequest, "minutes must be a whole number from 1 to \(intercom.settings.maxGrantMinutes)")
                }
                minutes = number
            }
            if let value = body["action"], !value.isNull {
                guard let name = value.stringValue, let parsed = Intercom.GrantAction(rawValue: name) else {
                    return IntercomRoutes.jsonError(.badRequest, "action must be \"start\" or \"extend\"")
                }
                action = parsed
            }
        }
        guard (1...intercom.settings.maxGrantMinutes).contains(minutes) else {
            return IntercomRoutes.jsonError(.badRequest, "minutes must be a whole number from 1 to \(intercom.settings.maxGrantMinutes)")
        }
        do {
            try intercom.changeGrant(minutes: minutes, action: action, by: user)
        } catch {
            logger.error("intercom: \(user) could not change the grant: \(error)")
            return IntercomRoutes.jsonError(.internalServerError, "the grant could not be saved")
        }
        return .json(intercom.status().text)
    }

    /// `DELETE /api/intercom/grant`: ends the running grant now (no grant: nothing to do).
    /// Answers like `GET /api/intercom`.
    public func endGrant(_ request: Request, user: String) -> Response {
        do {
            try intercom.endGrant(by: user)
        } catch {
            logger.error("intercom: \(user) could not end the grant: \(error)")
            return IntercomRoutes.jsonError(.internalServerError, "the grant could not be saved")
        }
        return .json(intercom.status().text)
    }

    static func jsonError(_ status: HTTPStatus, _ message: String) -> Response {
        .json(JSON.object([("error", .string(message))]).text, status: status)
    }
}
