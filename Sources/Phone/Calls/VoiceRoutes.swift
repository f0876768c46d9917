import Glibc
import Logging
import Store
import Web

/// The Twilio call routes: `GET /token` for a logged-in dialer, and the `POST /voice` and
/// `POST /status` webhooks, which the app mounts behind its signature gate. Decisions are
/// made by `VoiceRouting` and `StatusCallback` (pure); this type reads the live number plan,
/// publishes their events and logs. With a call history, each webhook's facts are merged into
/// the call's record and the webhook is answered only once that write committed (Twilio
/// retries a webhook that failed; an answered one must never be lost): 503 while the store
/// cannot write.
public final class VoiceRoutes: @unchecked Sendable {
    let live: LiveState
    let calls: CallRecords?
    let twilio: TwilioSettings
    let events: EventPublisher
    let logger: Logger
    /// `[app] public_url`, else nil: the request's own origin plus `basePath`.
    let publicURL: String?
    let basePath: String

    init(live: LiveState, twilio: TwilioSettings, events: EventPublisher, app: AppSettings, logger: Logger,
         calls: CallRecords? = nil) {
        self.live = live
        self.calls = calls
        self.twilio = twilio
        self.events = events
        self.logger = logger
        publicURL = app.publicURL
        basePath = app.basePath
    }

    /// `GET /token`: the token a logged-in user's browser registers with.
    public func token(for user: String) -> Response {
        do {
            let issued = try twilio.browserToken(identity: ClientIdentity.of(user), now: Int(time(nil)))
            return .json(issued.json.text)
        } catch {
            logger.error("token for \(user): \(error)")
            return .json(JSON.object([("error", .string("\(error)"))]).text, status: .internalServerError)
        }
    }

    /// `POST /voice`: TwiML for a browser's outgoing call or a call to one of our numbers.
    public func voice(_ request: Request, _ form: [(String, String)], _ responder: Responder) {
        let telephony = live.telephony
        var routing = VoiceRouting(plan: telephony.plan, accountSID: twilio.accountSID,
                                   webhookBaseURL: publicBaseURL(of: request), dialTimeout: telephony.dialTimeout,
                                   noAnswerMessage: telephony.noAnswerMessage)
        routing.reach = telephony.reach
        routing.outgoingDialTimeout = telephony.outgoingDialTimeout
        let answer = routing.answer(form, query: (try? request.queryItems()) ?? [])
        logger.info("voice \(form.first { $0.0 == "CallSid" }?.1 ?? "-"): \(answer.outcome)")
        for event in answer.events { events.publish(event) }
        let update = CallUpdate.voice(form: form, outcome: answer.outcome, plan: telephony.plan, now: VoiceRoutes.nowMillis())
        record(update, responder, answer: .xml(answer.twiml.xml))
    }

    /// `POST /voice/screen`: what a screened mobile hears when it answers, and its key press.
    public func screen(_ request: Request, _ form: [(String, String)]) -> Response {
        .xml(CallScreening(webhookBaseURL: publicBaseURL(of: request)).answer(form: form, query: (try? request.queryItems()) ?? []).xml)
    }

    /// `POST /voicemail/recorded`: the `<Record action>`; the message itself arrives by its callback.
    public func recorded(_ request: Request, _ form: [(String, String)]) -> Response {
        .xml(TwiML([.say("Thank you. Goodbye."), .hangup()]).xml)
    }

    /// `GET /voicemail/greeting/<key>`: a greeting file for `<Play>` (read at start and on SIGHUP).
    public func greeting(_ key: String) -> Response {
        guard let audio = live.telephony.greetings[key] else {
            return .error(.notFound, "no greeting \(JSON.quoted(String(key.prefix(40))))")
        }
        var response = Response(body: audio.bytes)
        response.headers.add("Content-Type", audio.mediaType)
        response.headers.add("Cache-Control", "public, max-age=300")
        return response
    }

    /// `POST /status`: a Twilio status callback becomes a `call.status` event in the number's room.
    public func status(_ request: Request, _ form: [(String, String)], _ responder: Responder) {
        // Any signed callback gets 204: Twilio records every 4xx as a webhook error in the console.
        let update = statusUpdate(form: form, query: (try? request.queryItems()) ?? [], now: VoiceRoutes.nowMillis())
        record(update, responder, answer: Response(status: .noContent))
    }

    /// What a status callback changes, before the history: publishes its `call.status` event and
    /// returns the update for the history. `now`: unix ms, when the callback names no `Timestamp`.
    /// The call settler gives it the callback Twilio did not deliver.
    func statusUpdate(form: [(String, String)], query: [(String, String)], now: Int) -> CallUpdate? {
        let plan = live.telephony.plan
        if let event = StatusCallback.event(form: form, query: query, plan: plan, now: now / 1000) {
            events.publish(event)
        } else {
            logger.info("status callback without CallSid/CallStatus or for none of our numbers: ignored")
        }
        return CallUpdate.status(form: form, query: query, plan: plan, now: now)
    }

    /// Merges `update` into the history and sends `answer` once committed (503 if it cannot
    /// be), then tells the call's room with `call.updated`.
    func record(_ update: CallUpdate?, _ responder: Responder, answer: Response) {
        guard let update, calls != nil else { return responder.send(answer) }
        merge(update) { [logger] result in
            switch result {
            case .success:
                responder.send(answer)
            case .failure(let error):
                // Logged once a minute by the store itself when the disk is full.
                if error.kind != .diskFull { logger.error("call \(update.callSid) not recorded: \(error)") }
                var refusal = Response.error(.serviceUnavailable, "the call history cannot be written now; retry")
                refusal.headers.set("Retry-After", "5")
                responder.send(refusal)
            }
        }
    }

    /// Merges `update` into the history and, once committed, tells the call's rooms with
    /// `call.updated`; `then` gets the outcome on the store's thread.
    func merge(_ update: CallUpdate, then: @escaping StoreCompletion<CallRecord>) {
        guard let calls else { return then(.failure(StoreError(.unavailable, "no call history"))) }
        let events = self.events
        calls.merge(update) { result in
            if case .success(let record) = result {
                events.publish(PhoneEvent("call.updated", record.json, rooms: record.rooms))
            }
            then(result)
        }
    }

    /// The `/status` URL, naming our `number`, for legs dialled elsewhere in the app (the
    /// intercom's forward), as Twilio reaches us: the same URL `VoiceRouting` gives its legs.
    func statusCallbackURL(of request: Request, number: PhoneNumber) -> String {
        VoiceRouting(plan: live.telephony.plan, webhookBaseURL: publicBaseURL(of: request)).statusCallbackURL(number: number, user: nil)
    }

    /// Unix milliseconds now.
    static func nowMillis() -> Int {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return now.tv_sec * 1000 + now.tv_nsec / 1_000_000
    }

    /// `https://host/base` as Twilio reaches us: `[app] public_url`, or the request's own origin.
    func publicBaseURL(of request: Request) -> String {
        if let publicURL { return publicURL }
        let host = request.origin.host ?? "localhost"
        return request.origin.scheme + "://" + host + basePath
    }
}
