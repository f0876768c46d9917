import Logging
import Store
import Web

/// The intercom's HTTP side: the Twilio webhook and the grant link (public, mounted with
/// `register(on:)`), and the dialer's JSON routes, which take the logged-in user so the app
/// can wrap them in its session and CSRF check. Every route that changes something answers
/// once the store committed the change, and 503 while the store cannot write.
public final class IntercomRoutes: @unchecked Sendable {
    public let intercom: Intercom
    public let webhookGate: TwilioWebhook
    public let throttle: GrantCodeThrottle
    private let logger: Logger
    private let clock: @Sendable () -> Int
    /// `[app] timezone`: the grant page shows its times there.
    public let timeZone: ZoneInfo
    /// Writes a call's facts to the history and sends the answer once committed (the app's
    /// `VoiceRoutes.record`); nil: no history (unit tests of the intercom alone).
    let recordCall: ((CallUpdate?, Responder, Response) -> Void)?
    /// The `/status` URL, naming our number, that a forward's legs report to (the app's
    /// `VoiceRoutes.statusCallbackURL`); nil: the legs report nothing.
    let legStatusURL: ((Request, PhoneNumber) -> String)?

    /// `{"minutes":30,"action":"extend"}` is a few dozen bytes.
    public static let maxJSONBytes = 4096

    public init(intercom: Intercom, webhook: TwilioWebhook, logger: Logger, throttle: GrantCodeThrottle? = nil,
                clock: @escaping @Sendable () -> Int = Intercom.systemClock, timeZone: ZoneInfo = .utc,
                recordCall: ((CallUpdate?, Responder, Response) -> Void)? = nil,
                legStatusURL: ((Request, PhoneNumber) -> String)? = nil) {
        self.timeZone = timeZone
        self.intercom = intercom
        self.webhookGate = webhook
        self.logger = logger
        self.clock = clock
        self.throttle = throttle ?? GrantCodeThrottle(records: intercom.records, clock: clock)
        self.recordCall = recordCall
        self.legStatusURL = legStatusURL
    }

    /// `POST <[intercom] path>` (Twilio) and `GET /grant` (the bookmark). The JSON routes need
    /// the session check and are mounted by the app.
    public func register(on router: Router) {
        // At `/` (the intercom seed's place) only POST: `GET /` stays the dialer.
        let methods = intercom.settings.path == "/" ? ["POST"] : ["POST", "GET"]
        router.webhook(intercom.settings.path, methods: methods, gate: webhookGate, logger: logger,
                       answeringLater: { [self] request, form, responder in answer(request, form, responder) })
        router.add("GET", "/grant") { [self] request, responder in grantPage(request, responder) }
    }

    // MARK: Twilio

    /// The decision for a webhook that passed the gate, answered once its effects (an opening,
    /// a used code, the call's history) are committed.
    func answer(_ request: Request, _ form: [(String, String)], _ responder: Responder) {
        let query: [(String, String)]
        do { query = try request.queryItems() } catch { return responder.send(.error(.badRequest, "the query string could not be decoded")) }
        var call = IntercomCall(target: request.target, query: query, form: form)
        if let legStatusURL, let ours = call.to.flatMap(IntercomCall.number) { call.legStatusURL = legStatusURL(request, ours) }
        let now = VoiceRoutes.nowMillis()
        intercom.answer(call) { [recordCall] result in
            switch result {
            case .success(let answer):
                let response = Response.xml(answer.twiml.xml)
                // Asked for a code, nothing has happened yet: the next step records the call (a
                // visitor who hangs up now leaves no call that would seem to ring for ever).
                guard let recordCall, answer.outcome != .askedForCode else { return responder.send(response) }
                let dialStatus: String?
                switch answer.outcome {
                case .forwardEnded(let status): dialStatus = status
                case .nobodyToCall: dialStatus = "failed"  // nobody could be connected; the call ends here
                default: dialStatus = nil
                }
                recordCall(CallUpdate.intercom(form: form, door: answer.door, dialStatus: dialStatus, now: now), responder, response)
            case .failure:
                responder.send(IntercomRoutes.unavailable())
            }
        }
    }

    /// 503 with `Retry-After` (Twilio retries; the store logs why).
    static func unavailable() -> Response {
        var refusal = Response.error(.serviceUnavailable, "the intercom's state cannot be written now; retry")
        refusal.headers.set("Retry-After", "5")
        return refusal
    }

    // MARK: The grant link

    /// `GET /grant?code=SECRET[&minutes=N]`: opens the door for N minutes (default
    /// `grant_minutes`, at most `max_grant_minutes`). 404 without a `grant_code`, 403 "no" for
    /// a wrong code, 429 after too many wrong ones from one address (counted in the store, so
    /// across instances), 400 for a bad `minutes`, 503 while the store cannot write.
    public func grantPage(_ request: Request, _ responder: Responder) {
        guard let secret = intercom.settings.grantCode else { return responder.send(.error(.notFound)) }
        let code: String?
        do { code = try request.queryValue("code") } catch { return responder.send(IntercomRoutes.no()) }
        guard let code, !code.isEmpty else { return responder.send(IntercomRoutes.no()) }
        let minutes: Int?
        switch (try? request.queryValue("minutes")).flatMap({ $0 }) {
        case nil: minutes = nil
        case let text?:
            guard let number = Int(text), number >= 1 else {
                return responder.send(IntercomRoutes.private(.text("minutes must be a whole number from 1 to \(intercom.settings.maxGrantMinutes)\n", status: .badRequest)))
            }
            minutes = number
        }
        let client = request.origin.clientAddress
        throttle.admit(client: client) { [self] decision in
            switch decision {
            case .failure(let error):
                logger.error("intercom: grant link: the attempt cannot be counted: \(error)")
                return responder.send(IntercomRoutes.private(IntercomRoutes.unavailable()))
            case .success(.limited(let retryAfter)):
                logger.warning("intercom: grant link refused for \(client): too many wrong codes")
                var response = Response.text("Too many wrong codes. Try again later.\n", status: .tooManyRequests)
                response.headers.set("Retry-After", String(retryAfter))
                return responder.send(IntercomRoutes.private(response))
            case .success(.allowed):
                break
            }
            // Digests have one length whatever the guess: the comparison says nothing about the secret's length.
            let matches = HMAC.constantTimeEquals(HMAC.sha256Digest(Array(code.utf8)), HMAC.sha256Digest(Array(secret.utf8)))
            guard matches else {
                logger.warning("intercom: wrong grant code from \(client)")
                return responder.send(IntercomRoutes.no())
            }
            throttle.succeeded(client: client)
            intercom.grantFromLink(minutes: minutes) { [self] result in
                switch result {
                case .success(let grant):
                    responder.send(IntercomRoutes.private(.html(GrantPage.html(grant: grant, now: clock(), zone: timeZone))))
                case .failure:
                    responder.send(IntercomRoutes.private(IntercomRoutes.unavailable()))
                }
            }
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
    /// now + minutes. Answers like `GET /api/intercom` once stored (503 while it cannot be).
    public func changeGrant(_ request: Request, user: String, _ responder: Responder) {
        guard request.body.count <= IntercomRoutes.maxJSONBytes else {
            return responder.send(IntercomRoutes.jsonError(.payloadTooLarge, "the body is at most \(IntercomRoutes.maxJSONBytes) bytes"))
        }
        var minutes = intercom.settings.grantMinutes
        var action: Intercom.GrantAction?
        if !request.body.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }) {
            let body: JSON
            do { body = try JSONParser.parse(request.body) } catch {
                return responder.send(IntercomRoutes.jsonError(.badRequest, "the body is not JSON: \(error)"))
            }
            guard case .object = body else { return responder.send(IntercomRoutes.jsonError(.badRequest, "the body must be a JSON object")) }
            if let value = body["minutes"], !value.isNull {
                guard let number = value.intValue else {
                    return responder.send(IntercomRoutes.jsonError(.badRequest, "minutes must be a whole number from 1 to \(intercom.settings.maxGrantMinutes)"))
                }
                minutes = number
            }
            if let value = body["action"], !value.isNull {
                guard let name = value.stringValue, let parsed = Intercom.GrantAction(rawValue: name) else {
                    return responder.send(IntercomRoutes.jsonError(.badRequest, "action must be \"start\" or \"extend\""))
                }
                action = parsed
            }
        }
        guard (1...intercom.settings.maxGrantMinutes).contains(minutes) else {
            return responder.send(IntercomRoutes.jsonError(.badRequest, "minutes must be a whole number from 1 to \(intercom.settings.maxGrantMinutes)"))
        }
        intercom.changeGrant(minutes: minutes, action: action, by: user) { [intercom] result in
            responder.send(IntercomRoutes.statusOrUnavailable(result.map { _ in intercom.status() }))
        }
    }

    /// `DELETE /api/intercom/grant`: ends the running grant now (no grant: nothing to do).
    /// Answers like `GET /api/intercom` once stored (503 while it cannot be).
    public func endGrant(_ request: Request, user: String, _ responder: Responder) {
        intercom.endGrant(by: user) { [intercom] result in
            responder.send(IntercomRoutes.statusOrUnavailable(result.map { _ in intercom.status() }))
        }
    }

    static func statusOrUnavailable(_ result: Result<JSON, StoreError>) -> Response {
        switch result {
        case .success(let status): return .json(status.text)
        case .failure:
            var response = jsonError(.serviceUnavailable, "the grant could not be saved now; try again")
            response.headers.set("Retry-After", "5")
            return response
        }
    }

    static func jsonError(_ status: HTTPStatus, _ message: String) -> Response {
        .json(JSON.object([("error", .string(message))]).text, status: status)
    }
}
