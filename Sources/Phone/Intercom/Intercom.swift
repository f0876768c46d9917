import Glibc
import Logging
import Store
import Web

/// The building intercom: decides every intercom call (`DoorDecision`, a pure function), runs
/// grant periods, and keeps the store and the open dialers up to date.
///
/// The store holds the state (`IntercomRecords`); this type holds a copy for the decisions and
/// `GET /api/intercom`, so no request waits for a read. Every change is written through the
/// store's writer and takes effect (in the copy, in events, in the answer) once committed.
/// `sweep()`, run by an event loop four times a second like the sessions' sweep, never blocks:
/// once a second it reads the store again off the loop (so a grant `shetphone grant` or another
/// instance wrote shows here within about a second), and the instance that leads the intercom
/// (`InstanceLeadership`: PostgreSQL's advisory lock, or the only instance) ends a grant on time
/// and announces changes the command line made, each exactly once.
public final class Intercom: @unchecked Sendable {
    public let settings: IntercomSettings
    public let records: IntercomRecords
    private let publisher: EventPublisher
    private let logger: Logger
    private let clock: @Sendable () -> Int
    private let leadership: InstanceLeadership
    private let lock = Mutex()
    private var state: IntercomState
    /// Count local writes of the grant and of the openings: what a read of the store that
    /// started before one of them says about that part is stale (used codes only ever grow).
    private var grantWrites = 0
    private var openingWrites = 0
    private var reading = false
    private var lastRead: Int?
    private var ending = false
    private var lastPurge: Int?

    /// Unix seconds now.
    public static let systemClock: @Sendable () -> Int = { Int(time(nil)) }

    /// How the dialer changes a running grant.
    public enum GrantAction: String, Sendable {
        /// Begin now for the given minutes (replacing a running grant's end).
        case start
        /// Add the minutes to a running grant's end (or begin one, when none runs).
        case extend
    }

    /// The prompt before the `<Gather>` of a door code.
    public static let codePrompt = "Please key in the door code, or hold to be connected."
    /// The `<Parameter>`s each browser rung by a forward gets (Voice JS SDK: `call.customParameters`):
    /// `intercom` so the dialer shows the intercom, not a bare number, and `openDigits` so its
    /// "Open the door" button plays the tones that open it.
    public static func clientParameters(_ settings: IntercomSettings) -> [(String, String)] {
        [("intercom", "true"), ("openDigits", settings.openDigits)]
    }
    public static let nobodyMessage = "Sorry, nobody can come to the door right now. Goodbye."

    /// Reads the state from the store (start-up: blocks).
    public init(settings: IntercomSettings, records: IntercomRecords, publisher: EventPublisher, logger: Logger,
                clock: @escaping @Sendable () -> Int = Intercom.systemClock,
                leadership: InstanceLeadership = SoleLeadership()) throws {
        self.settings = settings
        self.records = records
        self.publisher = publisher
        self.logger = logger
        self.clock = clock
        self.leadership = leadership
        do {
            state = IntercomState(stored: try records.loadNow(openingLimit: IntercomState.maximumOpenings))
        } catch {
            leadership.stop()  // its thread must not outlive a failed start
            throw error
        }
        if let grant = state.activeGrant(at: clock()) {
            logger.info("intercom: grant period running until \(GrantPeriod.utcText(grant.until)) (by \(grant.by))")
        }
    }

    /// Gives up the intercom's lead (shutdown), so another instance takes it at once.
    public func stop() { leadership.stop() }

    /// The state as this instance holds it now (for tests and the log).
    public var currentState: IntercomState { lock.withLock { state } }

    // MARK: The webhook

    /// Decides `call`, writes what the decision changes (an opening, a used single-use code),
    /// and hands the answer to `then` once that committed (on a store thread, or at once when
    /// nothing is written). A failed write is `.failure`: the webhook answers 503.
    public func answer(_ call: IntercomCall, then: @escaping (Result<IntercomAnswer, StoreError>) -> Void) {
        let now = clock()
        let decision = DoorDecision.decide(settings: settings, state: currentState, call: call, now: now)
        let answer = IntercomAnswer(twiml: decision.twiml(settings: settings, call: call), outcome: decision.outcome, door: decision.door)
        guard let how = decision.opening else {
            log(decision, call)
            if case .forward = decision {
                publish(Intercom.event("intercom.ringing", ["at": .int(now), "from": .string(String(call.from.prefix(IntercomOpening.maximumFromLength)))]))
            }
            return then(.success(answer))
        }
        let opening = IntercomOpening(at: now, how: how, from: call.from)
        let code = decision.codeToConsume
        lock.withLock { openingWrites += 1 }
        records.open(opening.stored, consuming: code, callSid: call.callSid, keep: IntercomState.maximumOpenings) { [self] result in
            switch result {
            case .success(.opened):
                lock.withLock {
                    openingWrites += 1
                    state.record(opening)
                    if let code { state.usedCodes.insert(code) }
                }
                log(decision, call)
                publish(Intercom.event("intercom.opened", opening.json))
                then(.success(answer))
            case .success(.openedBefore):
                // Twilio is asking again about a call that opened the door: the same answer, no new opening.
                lock.withLock { openingWrites += 1 }
                logger.info("intercom: call \(call.callSid ?? "-") opened the door before; answering the same")
                then(.success(answer))
            case .success(.codeUsed):
                // Another call (on another instance) used the single-use code a moment before.
                lock.withLock { if let code { state.usedCodes.insert(code) } }
                self.answer(call, then: then)
            case .failure(let error):
                logger.error("intercom: the door stays shut for \(JSON.quoted(call.from)): the opening cannot be saved: \(error)")
                then(.failure(error))
            }
        }
    }

    private func log(_ decision: DoorDecision, _ call: IntercomCall) {
        for note in decision.notes { logger.notice("intercom: \(note)") }
        switch decision {
        case .refuse: logger.warning("intercom: call from \(JSON.quoted(call.from)) \(decision.outcome)")
        default: logger.info("intercom: call from \(JSON.quoted(call.from)) \(decision.outcome)")
        }
    }

    // MARK: Grant periods

    /// The grant running now, if any.
    public func activeGrant() -> GrantPeriod? {
        let now = clock()
        return lock.withLock { state.activeGrant(at: now) }
    }

    /// Starts a grant for `minutes` (1 to `max_grant_minutes`, checked by the caller), or
    /// changes the running one (`action`; default: extend when one runs). The end is capped at
    /// now + max. `then` gets the grant once it is stored.
    public func changeGrant(minutes: Int, action: GrantAction? = nil, by user: String,
                            then: @escaping StoreCompletion<GrantPeriod>) {
        let now = clock()
        let running = activeGrant()
        let grant: GrantPeriod
        switch (running, action ?? .extend) {
        case let (running?, .extend):
            grant = running.extended(byMinutes: minutes, at: now, maxMinutes: settings.maxGrantMinutes)
        case let (running?, .start):
            grant = GrantPeriod(startedAt: running.startedAt, until: now + minutes * 60, by: running.by)
        case (nil, _):
            grant = GrantPeriod.starting(at: now, minutes: minutes, by: user)
        }
        store(grant, event: (running == nil ? "started" : "extended", user)) { [logger] result in
            if case .success = result {
                logger.notice("intercom: \(user) \(running == nil ? "started" : "changed") the grant period, until \(GrantPeriod.utcText(grant.until))")
            }
            then(result.map { grant })
        }
    }

    /// Ends the running grant now; `then` gets the grant that ran (nil when none ran).
    public func endGrant(by user: String, then: @escaping StoreCompletion<GrantPeriod?>) {
        guard let running = activeGrant() else { return then(.success(nil)) }
        store(nil, event: ("ended", user)) { [logger] result in
            if case .success = result { logger.notice("intercom: \(user) ended the grant period") }
            then(result.map { running })
        }
    }

    /// `GET /grant?code=` with the right code: the door opens for `minutes` (default
    /// `grant_minutes`, at most `max_grant_minutes`) from now. A running grant that ends later
    /// is left alone, so reloading the bookmark never shortens it.
    public func grantFromLink(minutes requested: Int? = nil, then: @escaping StoreCompletion<GrantPeriod>) {
        let minutes = min(requested ?? settings.grantMinutes, settings.maxGrantMinutes)
        let now = clock()
        let wanted = now + minutes * 60
        var grant = GrantPeriod.starting(at: now, minutes: minutes, by: "link")
        let running = activeGrant()
        if let running {
            guard running.until < wanted else { return then(.success(running)) }
            grant = running
            grant.until = wanted
        }
        store(grant, event: (running == nil ? "started" : "extended", "link")) { [logger] result in
            if case .success = result { logger.notice("intercom: grant link opened the door until \(GrantPeriod.utcText(grant.until))") }
            then(result.map { grant })
        }
    }

    /// Writes the grant (nil: none), then updates the copy and tells every dialer (`event`:
    /// the action and who). This instance made the change, so it announces it itself.
    private func store(_ grant: GrantPeriod?, event: (action: String, by: String),
                       then: @escaping StoreCompletion<Void>) {
        lock.withLock { grantWrites += 1 }
        let now = clock()
        records.setGrant(grant?.stored()) { [self] result in
            if case .success = result {
                lock.withLock {
                    grantWrites += 1
                    state.grant = grant
                }
                publish(Intercom.grantEvent(event.action, until: grant?.until ?? now, by: event.by))
            } else if case let .failure(error) = result {
                logger.error("intercom: the grant period cannot be saved: \(error)")
            }
            then(result)
        }
    }

    /// The body of `GET /api/intercom` (from the copy: no store access).
    public func status() -> JSON {
        let now = clock()
        let snapshot = currentState
        return [
            "grant": snapshot.activeGrant(at: now)?.json ?? GrantPeriod.inactiveJSON,
            "openings": .array(snapshot.openings.map(\.json)),
            "grantMinutes": .int(settings.grantMinutes),
            "maxGrantMinutes": .int(settings.maxGrantMinutes),
            "now": .int(now),
        ]
    }

    // MARK: The sweep

    /// Run by an event loop's sweep (four times a second); never blocks. Once a second it reads
    /// the store off the loop; the leading instance ends a grant whose time is up. `then`
    /// (tests) runs once everything this sweep started has finished.
    public func sweep(then: (@Sendable () -> Void)? = nil) {
        let now = clock()
        let leads = leadership.isLeader
        let pending = SweepWork(then)
        var read: (grant: Int, openings: Int)?
        var ended: GrantPeriod?
        var purge = false
        lock.withLock {
            if !reading, lastRead.map({ now - $0 >= 1 }) ?? true {
                reading = true
                lastRead = now
                read = (grantWrites, openingWrites)
            }
            if leads, !ending, let grant = state.grant, !grant.isActive(at: now) {
                ending = true
                ended = grant
            }
            if leads, lastPurge.map({ now - $0 >= 60 }) ?? true {
                lastPurge = now
                purge = true
            }
        }
        if let read { refresh(startedAt: read, pending) }
        if let ended { end(ended, pending) }
        if purge {
            pending.begin()
            records.purgeCodeAttempts(before: now - GrantCodeThrottle.defaultWindowSeconds) { [logger] result in
                if case let .failure(error) = result { logger.warning("intercom: old grant-link attempts not purged: \(error)") }
                pending.end()
            }
        }
        pending.end()
    }

    /// Ends a grant that ran out, once among all instances: the store removes it for one caller.
    private func end(_ grant: GrantPeriod, _ pending: SweepWork) {
        lock.withLock { grantWrites += 1 }
        pending.begin()
        records.endGrant(until: grant.until) { [self] result in
            defer { pending.end() }
            lock.withLock {
                grantWrites += 1
                ending = false
                if state.grant?.until == grant.until { state.grant = nil }
            }
            switch result {
            case .success(true):
                publish(Intercom.grantEvent("ended", until: grant.until, by: grant.by))
                logger.notice("intercom: the grant period by \(grant.by) ended at \(GrantPeriod.utcText(grant.until))")
            case .success(false):
                break  // Changed or ended elsewhere a moment before; the next read shows how.
            case .failure(let error):
                logger.error("intercom: the grant period that ran out cannot be removed: \(error)")
            }
        }
    }

    /// Reads the store again; a change nobody announced (the command line wrote it) is
    /// announced by the leading instance, once.
    private func refresh(startedAt generation: (grant: Int, openings: Int), _ pending: SweepWork) {
        pending.begin()
        records.load(openingLimit: IntercomState.maximumOpenings) { [self] result in
            defer { pending.end() }
            let now = clock()
            guard case let .success(stored) = result else {
                lock.withLock { reading = false }
                if case let .failure(error) = result { logger.warning("intercom: cannot read the intercom's state: \(error)") }
                return
            }
            var fresh = IntercomState(stored: stored)
            // A running grant nobody announced yet (the CLI wrote it) takes effect here once the
            // leader announces it, so every instance opens for what the dialers were told. One
            // that is over (`--end`) takes effect at once; the leader's `end` announces it.
            let pendingGrant = stored.grant.flatMap { !$0.announced && $0.until > now ? fresh.grant : nil }
            let (current, before): (Bool, GrantPeriod?) = lock.withLock {
                reading = false
                // A write of ours committed since the read began: the read may predate it, so
                // that part stays as this instance knows it (the next read brings it).
                state.usedCodes.formUnion(fresh.usedCodes)
                if openingWrites == generation.openings { state.openings = fresh.openings }
                guard grantWrites == generation.grant else { return (false, nil) }
                let before = state.activeGrant(at: now)
                if pendingGrant != nil { fresh.grant = state.grant }
                state.grant = fresh.grant
                return (true, before)
            }
            guard current, let grant = pendingGrant, leadership.isLeader else { return }
            pending.begin()
            records.announceGrant(until: grant.until) { [self] result in
                defer { pending.end() }
                guard case .success(true) = result else { return }
                lock.withLock { state.grant = grant }
                let action = before == nil ? "started" : "extended"
                publish(Intercom.grantEvent(action, until: grant.until, by: grant.by))
                logger.notice("intercom: \(grant.by) \(action) the grant period (until \(GrantPeriod.utcText(grant.until)))")
            }
        }
    }

    // MARK: Events

    private static func grantEvent(_ action: String, until: Int, by: String) -> PhoneEvent {
        event("intercom.grant", ["action": .string(action), "until": .int(until), "by": .string(by)])
    }

    /// Intercom events go to every dialer.
    private static func event(_ type: String, _ data: JSON) -> PhoneEvent {
        PhoneEvent(type, data, rooms: [RoomName.everyone])
    }

    private func publish(_ event: PhoneEvent) {
        publisher.publish(event)
    }
}

/// Counts the store jobs one sweep started, and calls back once all finished (for tests).
private final class SweepWork: @unchecked Sendable {
    private let lock = Mutex()
    private var count = 1
    private let then: (@Sendable () -> Void)?
    init(_ then: (@Sendable () -> Void)?) { self.then = then }
    func begin() { lock.withLock { count += 1 } }
    func end() {
        let done = lock.withLock { () -> Bool in
            count -= 1
            return count == 0
        }
        if done { then?() }
    }
}
