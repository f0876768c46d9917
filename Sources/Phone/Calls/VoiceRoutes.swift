import Glibc
import Logging
import Web

/// The Twilio call routes: `GET /token` for a logged-in dialer, and the `POST /voice` and
/// `POST /status` webhooks, which the app mounts behind its signature gate. Decisions are
/// made by `VoiceRouting` and `StatusCallback` (pure); this type reads the live number plan,
/// publishes their events and logs.
public final class VoiceRoutes: @unchecked Sendable {
    let live: LiveState
    let twilio: TwilioSettings
    let events: EventPublisher
    let logger: Logger
    /// `[app] public_url`, else nil: the request's own origin plus `basePath`.
    let publicURL: String?
    let basePath: String

    init(live: LiveState, twilio: TwilioSettings, events: EventPublisher, app: AppSettings, logger: Logger) {
        self.live = live
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
    public func voice(_ request: Request, _ form: [(String, String)]) -> Response {
        let telephony = live.telephony
        var routing = VoiceRouting(plan: telephony.plan, accountSID: twilio.accountSID,
                                   webhookBaseURL: publicBaseURL(of: request), dialTimeout: telephony.dialTimeout,
                                   noAnswerMessage: telephony.noAnswerMessage)
        routing.reach = telephony.reach
        let answer = routing.answer(form, query: (try? request.queryItems()) ?? [])
        logger.info("voice \(form.first { $0.0 == "CallSid" }?.1 ?? "-"): \(answer.outcome)")
        for event in answer.events { events.publish(event) }
        return .xml(answer.twiml.xml)
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
    public func status(_ request: Request, _ form: [(String, String)]) -> Response {
        let query = (try? request.queryItems()) ?? []
        // Any signed callback gets 204: Twilio records every 4xx as a webhook error in the console.
        if let event = StatusCallback.event(form: form, query: query, plan: live.telephony.plan, now: Int(time(nil))) {
            events.publish(event)
        } else {
            logger.info("status callback without CallSid/CallStatus or for none of our numbers: ignored")
        }
        return Response(status: .noContent)
    }

    /// `https://host/base` as Twilio reaches us: `[app] public_url`, or the request's own origin.
    func publicBaseURL(of request: Request) -> String {
        if let publicURL { return publicURL }
        let host = request.origin.host ?? "localhost"
        return request.origin.scheme + "://" + host + basePath
    }
}
