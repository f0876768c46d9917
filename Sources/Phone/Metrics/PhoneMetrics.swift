import Web

/// The phone app's metrics next to the server core's (`ServerMetrics`): logins by result,
/// webhooks refused, config reloads and live sessions, all named `shetphone_...`.
public final class PhoneMetrics: @unchecked Sendable {
    /// How one `POST /login` ended.
    public enum LoginResult: String, Sendable, CaseIterable {
        /// Session created.
        case ok
        /// Wrong user name or password (or an empty one).
        case failed
        /// Too many failures from that address or for that user: 429.
        case throttled
        /// Stale or missing CSRF token, foreign Origin: 403.
        case refused
        /// Anything else: a form that did not decode, a full worker queue.
        case error
    }

    /// One series of the refused-webhook counter.
    struct WebhookRejection: Hashable, Sendable {
        let route: String
        let status: Int
    }

    public static let namespace = "shetphone"

    public let registry: MetricsRegistry
    /// The core's metrics; give it to `ServerConfiguration.observer` and `Rooms(observer:)`.
    public let server: ServerMetrics
    let logins: MetricFamily<LoginResult, Counter>
    let webhooksRejected: MetricFamily<WebhookRejection, Counter>
    let reloads: MetricFamily<Bool, Counter>
    let lastReloadSuccessful: Gauge

    /// Registers every metric (`countSessions(in:)` adds the sessions gauge once the store exists).
    public init() {
        let registry = MetricsRegistry()
        self.registry = registry
        server = ServerMetrics(registry: registry, namespace: PhoneMetrics.namespace)
        logins = registry.counters("shetphone_logins_total", help: "Login attempts, by result.",
                                   labels: ["result"]) { result in [result.rawValue] }
        webhooksRejected = registry.counters(
            "shetphone_webhooks_rejected_total",
            help: "Twilio webhooks refused (403: signature missing or wrong; 400/415: form), by route and status.",
            labels: ["route", "status"]) { series in [series.route, String(series.status)] }
        reloads = registry.counters("shetphone_config_reloads_total", help: "SIGHUP reloads of the config, by result.",
                                    labels: ["result"]) { ok in [ok ? "ok" : "failed"] }
        lastReloadSuccessful = registry.gauge(
            "shetphone_config_last_reload_successful",
            help: "1 when the last SIGHUP reload worked (or none happened), 0 when the running config is older than the file.")
        lastReloadSuccessful.set(1)
        // Zero-valued series from the start, so rate() and alerts see them before the first event.
        for result in LoginResult.allCases { _ = logins(result) }
        _ = reloads(true)
        _ = reloads(false)
        ProcessMetrics.register(in: registry)
    }

    /// Exports `shetphone_sessions`, read from `store` at scrape time. Call once.
    public func countSessions(in store: SessionStore) {
        registry.gauge("shetphone_sessions", help: "Logged-in sessions.") { Double(store.count) }
    }

    // MARK: Recording

    public func login(_ result: LoginResult) {
        logins(result).increment()
    }

    /// A webhook route (`/voice`, `/status`, `/intercom`: a pattern, never the raw path) answered
    /// `status` instead of serving the request.
    public func webhookRejected(route: String, status: Int) {
        webhooksRejected(WebhookRejection(route: route, status: status)).increment()
    }

    public func reloaded(ok: Bool) {
        reloads(ok).increment()
        lastReloadSuccessful.set(ok ? 1 : 0)
    }

    /// True unless the last SIGHUP reload failed.
    public var lastReloadWorked: Bool { lastReloadSuccessful.value == 1 }

    // MARK: Login counting

    /// Wraps the `POST /login` handler: counts each answer by what it says, without touching
    /// the login code. A 303 that sets a session cookie is a login; any other 303 goes back to
    /// the form (wrong password); 429 is the throttle; 403 the CSRF check.
    public func countingLogins(_ handler: @escaping Handler) -> Handler {
        { [self] request, responder in
            handler(request, Responder(loop: responder.loop) { response in
                self.login(PhoneMetrics.loginResult(of: response))
                responder.send(response)
            })
        }
    }

    static func loginResult(of response: Response) -> LoginResult {
        switch response.status.code {
        case 303:
            let prefix = LoginRoutes.sessionCookieName + "="
            let setsSession = response.headers.values("Set-Cookie").contains { cookie in
                cookie.hasPrefix(prefix) && !cookie.dropFirst(prefix.count).hasPrefix(";")
            }
            return setsSession ? .ok : .failed
        case 429: return .throttled
        case 403: return .refused
        default: return .error
        }
    }
}
