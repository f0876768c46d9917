import Glibc
import Logging
import Outbound
import Postgres
import Store
import Web

/// The phone application: builds every route on one router from a checked config.
public final class PhoneApp: @unchecked Sendable {
    public let config: ShetphoneConfig
    public let logger: Logger
    public let router: Router
    public let rooms: Rooms
    /// Everything `/metrics` exports; `metrics.server` is the server's `ServerObserver`.
    public let metrics = PhoneMetrics()
    let metricsEndpoint: MetricsEndpoint
    let health: HealthCheck
    public let events: RoomEventPublisher
    let workers: WorkerPool
    let twilio: TwilioSettings
    let webhook: TwilioWebhook
    let sessions: SessionStore
    let logins: LoginRoutes
    let live: LiveState
    let intercom: Intercom
    /// `[outbound]`, `[smtp]`, `[email]`, `[hooks]`.
    let notices: NoticeSettings
    /// Voicemail and the notice queue.
    let away: AwayFromTheTab
    let intercomRoutes: IntercomRoutes
    let voiceRoutes: VoiceRoutes
    /// Logins, call history and the intercom's state (`[store]`).
    public let store: PhoneStore
    let callHistory: CallHistoryRoutes
    /// Texts: `/sms`, `/sms/status`, `/api/threads`, `/api/messages`.
    let texts: TextRoutes
    /// The process's one libcurl client (its own thread): texts, recordings, media, email, hooks.
    let outbound: OutboundClient
    let contactRoutes: ContactRoutes
    let retention: HistoryRetention
    /// Ends calls whose last status callback never came, asking Twilio.
    let settler: CallSettler
    var server: HTTPServer?

    /// Builds the app from a checked config; throws when a file it needs cannot be used.
    public init(config: ShetphoneConfig, logger: Logger) throws {
        self.config = config
        self.logger = logger
        router = Router(basePath: config.app.basePath, logger: logger)
        metricsEndpoint = MetricsEndpoint(registry: metrics.registry, allowed: try TrustedProxies(config.app.metricsAllow))
        health = HealthCheck(metrics: metrics)
        rooms = Rooms(observer: metrics.server)
        events = RoomEventPublisher(rooms: rooms)
        let workers = WorkerPool(threads: max(2, ServerConfiguration.coreCount))
        self.workers = workers
        let store: PhoneStore
        do {
            if let url = config.store.url {
                // Several instances share PostgreSQL; wait for it at start (it may come up after us).
                store = try PostgresStore.connectWithRetries(url: PostgresURL(url), logger: logger)
            } else {
                store = try SQLiteStore(path: config.store.path, logger: logger)
            }
        } catch {
            workers.shutdown()
            throw error
        }
        self.store = store
        events.bus = store.bus
        let outbound = OutboundClient(settings: config.outbound.client)
        self.outbound = outbound
        retention = HistoryRetention(calls: store.calls, days: config.store.historyDays, logger: logger)
        do {
            twilio = try config.requiredTwilio()
            live = LiveState(telephony: try Telephony.load(config: config, logger: logger))
            voiceRoutes = VoiceRoutes(live: live, twilio: twilio, events: events, app: config.app, logger: logger,
                                      calls: store.calls)
            texts = TextRoutes(messages: store.messages, live: live, events: events, settings: config.texts,
                               api: TwilioAPI(settings: twilio, client: outbound),
                               baseURL: { [voiceRoutes] in voiceRoutes.publicBaseURL(of: $0) }, logger: logger)
            callHistory = CallHistoryRoutes(calls: store.calls, live: live, logger: logger)
            callHistory.messages = store.messages
            contactRoutes = ContactRoutes(contacts: store.contacts, live: live, events: events, workers: workers, logger: logger)
            webhook = TwilioWebhook(authToken: twilio.authToken, validates: twilio.validateSignatures,
                                    publicURL: config.app.publicURL, sharedKeys: twilio.webhookSharedKeys, metrics: metrics)

            let htpasswd = HtpasswdFile(path: config.app.htpasswdPath, logger: logger)
            var sessionSettings = SessionStore.Settings()
            sessionSettings.idleTimeoutSeconds = config.app.sessionIdleHours * 3600
            sessions = SessionStore(settings: sessionSettings, clock: SessionStore.wallClock(), persistence: store.sessions)
            let restored = sessions.restore(try store.sessions.loadAll())
            if restored > 0 { logger.info("store \(store.location): \(restored) logins kept from before the restart") }
            metrics.countSessions(in: sessions)
            // The demo writes nothing: its device cookies need not outlive it.
            let deviceCookies = config.isDemo ? DeviceCookieSigner.ephemeral()
                : try DeviceCookieSigner.load(directory: config.app.stateDir, secrets: store.secrets, logger: logger)
            logins = try LoginRoutes(sessions: sessions, authenticator: Authenticator(htpasswd: htpasswd, workers: workers),
                                     throttle: LoginThrottle(records: store.loginFailures), deviceCookies: deviceCookies,
                                     publicDir: config.server.publicDir,
                                     basePath: config.app.basePath, logger: logger)
            notices = config.notices
            if !config.isDemo {
                try IntercomStateImport(directory: config.app.stateDir).importOnce(into: store.intercom, logger: logger)
            }
            // One lead for the jobs done once for all instances: the intercom's and settling calls.
            let leadership = store.leadership(of: .intercom)
            intercom = try Intercom(settings: config.intercom, records: store.intercom, publisher: events, logger: logger,
                                    leadership: leadership)
            let settlingAPI = TwilioAPI(settings: twilio, client: outbound)
            settlingAPI.timeoutSeconds = config.notices.outbound.timeoutSeconds
            settler = CallSettler(calls: store.calls, api: settlingAPI, leadership: leadership,
                                  ringingSeconds: config.store.settleRingingSeconds,
                                  answeredSeconds: config.store.settleAnsweredSeconds, logger: logger) { [voiceRoutes] form, query, now, then in
                guard let update = voiceRoutes.statusUpdate(form: form, query: query, now: now) else {
                    return then(.failure(StoreError(.other, "settled status of \(form.first?.1 ?? "?") is not a status callback")))
                }
                voiceRoutes.merge(update, then: then)
            }
            intercomRoutes = IntercomRoutes(intercom: intercom, webhook: webhook, logger: logger, timeZone: config.app.timeZone,
                                            recordCall: { [voiceRoutes] in voiceRoutes.record($0, $1, answer: $2) },
                                            legStatusURL: { [voiceRoutes] in voiceRoutes.statusCallbackURL(of: $0, number: $1) })
            // Last: nothing after may throw.
            away = AwayFromTheTab(config: config, twilio: twilio, outbound: outbound, store: store, live: live, events: events,
                                  logger: logger)
            events.onPublish = { [away] event in away.forward(event) }
        } catch {
            // The pool's threads must not outlive a failed start (they would race the exit).
            workers.shutdown()
            outbound.shutdown()
            store.close()
            throw error
        }

        warnAboutRiskySettings()
        addRoutes()
    }

    public var handler: Handler { router.handler }

    /// The routes' own body limits, for `HTTPServer(bodyLimit:)`.
    public var bodyLimit: BodyLimit { router.bodyLimit }

    /// Called once the server is listening: starts the timers that run on the loops.
    public func attach(_ server: HTTPServer) {
        self.server = server
        away.start(on: server.loops.first)
        let events = self.events
        // Every way a session ends (logout, expiry, user removed) sends its sockets to the login page.
        sessions.onEnd = { session, reason in
            events.publish(PhoneEvent("logout", ["reason": .string(reason.rawValue)], rooms: [session.room]))
        }
        let authenticator = logins.authenticator
        server.loops.first?.addSweep { [sessions, retention, intercom, settler] now in
            sessions.sweep()
            retention.sweep()
            intercom.sweep()
            settler.sweep(now: now)
        }
        // A user taken out of .htpasswd loses every session, even one that makes no request.
        server.loops.first?.addSweep { [sessions] _ in sessions.removeUnknownUsers(authenticator.knows) }
        startBus()
    }

    /// Several instances on PostgreSQL: events and logins of the others arrive here.
    private func startBus() {
        guard let bus = store.bus else { return }
        let events = self.events
        let sessions = self.sessions
        let logger = self.logger
        let records = store.sessions
        bus.start(onMessage: { events.deliver(busMessage: $0) },
                  onSession: { key, stored in
                      if let stored { sessions.restore([stored], elsewhere: true) } else { sessions.endedElsewhere(key: key) }
                  },
                  onTouch: { key, lastSeen in sessions.usedElsewhere(key: key, at: lastSeen) },
                  onResync: {
                      // Logins made elsewhere while nobody listened (on the bus's thread: it may block).
                      do { sessions.restore(try records.loadAll(), elsewhere: true) } catch {
                          logger.warning("store: cannot read the logins of the other instances: \(error)")
                      }
                      // Events of other instances committed while nobody listened: dialers read again.
                      events.askToResync()
                  })
    }

    /// SIGHUP: re-read numbers, clients and presets (and `.htpasswd`, which also reloads on change)
    /// without dropping connections. A broken config is reported and the running one kept.
    public func reload() {
        do {
            let fresh = try ShetphoneConfig.load(path: config.path)
            live.telephony = try Telephony.load(config: fresh, logger: logger)
            moveSocketsToTheirNumbers()
            moveStreamsToTheirNumbers()
            logins.authenticator.htpasswd.reloadIfChanged()
            metrics.reloaded(ok: true)
            logger.info("SIGHUP: reloaded numbers, clients and presets from \(config.path)")
        } catch {
            metrics.reloaded(ok: false)
            logger.error("SIGHUP: \(error); keeping the running configuration")
        }
    }

    /// After a reload, open dialers follow the new `[numbers]`: each socket leaves the number
    /// rooms its user no longer answers and joins the new ones, without reconnecting.
    func moveSocketsToTheirNumbers() {
        let plan = live.telephony.plan
        for socket in rooms.sockets(in: RoomName.everyone) {
            guard let user = socket.userInfo["user"] as? String else { continue }
            let wanted = Set(plan.numbers(of: user).map { RoomName.number($0.e164) })
            let current = Set(rooms.rooms(of: socket).filter(RoomName.isNumber))
            for room in current.subtracting(wanted) { rooms.leave(room, socket) }
            for room in wanted.subtracting(current) { rooms.join(room, socket) }
        }
    }

    public func shutdown() {
        settler.stop()
        intercom.stop()
        away.stop()
        outbound.shutdown()
        workers.shutdown()
        store.close()
    }

    private func warnAboutRiskySettings() {
        if !twilio.validateSignatures {
            logger.warning("[twilio] validate_signatures = false: ANYONE can call /voice, /status and /intercom. Use this for local testing only.")
        }
        if !twilio.issuesAccessTokens {
            logger.warning("[twilio] api_key_sid/api_key_secret are not set: /token hands out legacy Capability Tokens, which the Twilio Voice JavaScript SDK 2.x refuses.")
        }
        if config.isDemo {
            logger.notice("demo: log in as demo / shetphone-demo (from .htpasswd.example)")
        }
    }
}
