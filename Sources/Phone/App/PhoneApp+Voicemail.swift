import Glibc
import Logging
import Outbound
import Store
import Web

/// Voicemail and notices: the durable notice queue and the voicemail routes, built from the
/// config, the store and the app's one outbound client (Twilio's API, SMTP, hooks).
final class AwayFromTheTab: @unchecked Sendable {
    let queue: NoticeQueue
    let voicemail: VoicemailRoutes

    init(config: ShetphoneConfig, twilio: TwilioSettings, outbound: OutboundClient, store: PhoneStore, live: LiveState,
         events: EventPublisher, logger: Logger) {
        let settings = config.notices
        let courier = NoticeCourier(client: outbound, smtp: settings.smtp, hooks: settings.hooks)
        courier.hookTimeoutSeconds = settings.outbound.timeoutSeconds
        queue = NoticeQueue(records: store.notices, courier: courier, retrySeconds: settings.outbound.noticeRetrySeconds,
                            logger: logger)
        let api = TwilioAPI(settings: twilio, client: outbound)
        api.timeoutSeconds = settings.outbound.timeoutSeconds
        voicemail = VoicemailRoutes(records: store.voicemail, api: api, live: live, events: events, queue: queue,
                                    notices: VoicemailNotices(email: settings.email, smtp: settings.smtp, hooks: courier),
                                    logger: logger)
    }

    /// Starts sending queued notices from `loop`'s sweep.
    func start(on loop: EventLoop?) {
        loop?.addSweep { [queue] now in queue.sweep(now: now) }
    }

    /// Events no route queues notices for itself: `call.missed` (hook, and mail to the users who
    /// opted in) and `intercom.opened` (hook). Queued in the store; nothing here waits.
    func forward(_ event: PhoneEvent) {
        guard event.type == "call.missed" || event.type == "intercom.opened" || event.type == "sms.received" else { return }
        let now = Int(time(nil))
        let id = event.type + "-" + (event.data["callSid"]?.stringValue ?? event.data["sid"]?.stringValue
            ?? event.data["at"]?.intValue.map(String.init) ?? String(now))
        if let hook = voicemail.notices.hooks.hook(kind: event.type, id: id, data: event.data, now: now) {
            queue.enqueue(hook, data: event.data)
        }
        if event.type == "call.missed", let to = event.data["to"]?.stringValue, let number = try? PhoneNumber(e164: to),
           let message = voicemail.notices.missedCallEmail(number: to, from: event.data["from"]?.stringValue ?? "unknown",
                                                           callSID: event.data["callSid"]?.stringValue ?? id,
                                                           users: voicemail.live.telephony.plan.users(answering: number), now: now) {
            queue.enqueue(message)
        }
    }

    /// Stops the notice queue; the app shuts the outbound client down after it.
    func stop() {
        queue.stop()
    }

    /// The callbacks behind the signature gate, the dialer's API behind the login.
    func register(on router: Router, gate: TwilioWebhook, logins: LoginRoutes, logger: Logger) {
        let routes = voicemail
        router.webhook("/voicemail/recording", gate: gate, logger: logger, answeringLater: routes.recording)
        router.webhook("/voicemail/transcription", gate: gate, logger: logger, answeringLater: routes.transcription)
        router.add("GET", "/api/voicemail", logins.authenticated { _, session, responder in
            routes.list(user: session.user, responder)
        })
        router.add("GET", "/api/voicemail/:sid/audio", logins.authenticated { request, session, responder in
            let download = ((try? request.queryItems()) ?? []).contains { $0.0 == "download" && $0.1 == "1" }
            routes.audio(request, request.parameters["sid"] ?? "", user: session.user, download: download, responder)
        })
        router.add("POST", "/api/voicemail/:sid/heard", logins.authenticated(requireCSRF: true) { request, session, responder in
            routes.markHeard(request.parameters["sid"] ?? "", user: session.user, responder)
        })
        router.add("DELETE", "/api/voicemail/:sid", logins.authenticated(requireCSRF: true) { request, session, responder in
            routes.delete(request.parameters["sid"] ?? "", user: session.user, responder)
        })
    }
}
