import Dispatch
import Glibc
import Logging
import Web

/// The building intercom: decides every intercom call (reject, open, ask for a code, forward),
/// runs grant periods, and keeps `intercom-state.json` and the open dialers up to date.
///
/// All state changes happen under one lock and are written to the state file before the
/// events go out. A timer (once a second) ends grants on time without a request, and picks up
/// changes `shetphone grant` made to the state file.
public final class Intercom: @unchecked Sendable {
    public let settings: IntercomSettings
    public let stateFile: IntercomStateFile
    private let publisher: EventPublisher
    private let logger: Logger
    private let clock: @Sendable () -> Int
    private let lock = Mutex()
    private var state: IntercomState
    private var stamp: IntercomStateFile.Stamp?
    private var timer: DispatchSourceTimer?

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
    public static let nobodyMessage = "Sorry, nobody can come to the door right now. Goodbye."

    /// Reads the state file (a missing one is an empty state; an unreadable one stops the
    /// server, because starting empty would revive used single-use codes).
    public init(settings: IntercomSettings, stateFile: IntercomStateFile, publisher: EventPublisher, logger: Logger,
                clock: @escaping @Sendable () -> Int = Intercom.systemClock) throws {
        self.settings = settings
        self.stateFile = stateFile
        self.publisher = publisher
        self.logger = logger
        self.clock = clock
        try stateFile.prepare()
        stamp = stateFile.stamp()
        state = try stateFile.read()
        let now = clock()
        if let grant = state.grant, !grant.isActive(at: now) {
            // It ran out while the server was down; nobody is listening for that "ended".
            state.grant = nil
        }
        // Used codes stay remembered even when they leave the config: putting a code back
        // (say, after commenting door_codes out for a while) must not revive it.
        if let grant = state.grant {
            logger.info("intercom: grant period running until \(GrantPeriod.utcText(grant.until)) (by \(grant.by))")
        }
    }

    deinit { timer?.cancel() }

    // MARK: The webhook

    /// The answer to one intercom webhook request, with its state changes and events done.
    public func answer(_ call: IntercomCall) -> IntercomAnswer {
        let now = clock()
        var events: [PhoneEvent] = []
        let answer = lock.withLock { () -> IntercomAnswer in
            refreshLocked(now: now, events: &events)
            expireLocked(now: now, events: &events)
            return decideLocked(call, now: now, events: &events)
        }
        publish(events)
        switch answer.outcome {
        case .rejected: logger.warning("intercom: call from \(JSON.quoted(call.from)) \(answer.outcome)")
        default: logger.info("intercom: call from \(JSON.quoted(call.from)) \(answer.outcome)")
        }
        return answer
    }

    private func decideLocked(_ call: IntercomCall, now: Int, events: inout [PhoneEvent]) -> IntercomAnswer {
        // The intercom's number: the URL's ExpectedFrom, else the config's. Without one every
        // call is refused: forwarding strangers would make our number a free relay to the resident.
        let expected: PhoneNumber
        if let text = call.expectedFrom {
            guard let number = IntercomCall.number(text) else {
                return reject("ExpectedFrom \(JSON.quoted(text)) in the webhook URL is not an E.164 number")
            }
            expected = number
        } else if let number = settings.expectedFrom {
            expected = number
        } else {
            return reject("no ExpectedFrom in the webhook URL and no [intercom] expected_from, so no call is trusted")
        }
        guard let caller = try? PhoneNumber(e164: call.from), caller == expected else {
            return reject("From \(JSON.quoted(call.from)) is not the intercom")
        }

        if call.step == .code, let digits = call.digits {
            switch settings.doorCodes.match(digits, usedCodes: state.usedCodes, now: now) {
            case let .valid(code):
                logger.notice("intercom: door code \(code.masked) opens the door\(code.singleUse ? " (single use: now used)" : "")")
                return open(.code, from: call.from, now: now, consuming: code.singleUse ? code.digits : nil, events: &events)
            case let .expired(code):
                logger.notice("intercom: door code \(code.masked) has expired; forwarding the call")
            case let .used(code):
                logger.notice("intercom: single-use door code \(code.masked) was used before; forwarding the call")
            case .wrong:
                logger.notice("intercom: a wrong door code (\(digits.count) digits) was keyed in; forwarding the call")
            }
        }
        if state.activeGrant(at: now) != nil {
            return open(.grant, from: call.from, now: now, consuming: nil, events: &events)
        }
        if call.step == .arrival, !settings.doorCodes.isEmpty {
            let action = call.codeStepURL
            let gather = TwiMLElement.gather([.say(Intercom.codePrompt)], numDigits: settings.doorCodes.length,
                                             timeout: 5, action: action, method: .post)
            // No digits before the timeout: Twilio goes on to the next verb, which asks us again.
            return IntercomAnswer(twiml: TwiML([gather, .redirect(action, method: .post)]), outcome: .askedForCode)
        }
        return forward(call, now: now, events: &events)
    }

    private func reject(_ reason: String) -> IntercomAnswer {
        IntercomAnswer(twiml: TwiML([.reject()]), outcome: .rejected(reason: reason))
    }

    private func open(_ how: IntercomOpening.Method, from: String, now: Int, consuming code: String?,
                      events: inout [PhoneEvent]) -> IntercomAnswer {
        let opening = IntercomOpening(at: now, how: how, from: from)
        let change: (inout IntercomState) -> Void = { state in
            state.record(opening)
            if let code { state.usedCodes.insert(code) }
        }
        do {
            try saveLocked(change)
        } catch {
            // The visitor is at the door now: open it anyway, and remember it in memory.
            logger.error("intercom: \(error)")
            change(&state)
        }
        events.append(Intercom.event("intercom.opened", opening.json))
        let tone: [TwiMLElement] = [.play(digits: settings.openDigits), .pause(length: IntercomSettings.holdSecondsAfterTone)]
        return IntercomAnswer(twiml: TwiML(tone), outcome: .opened(how))
    }

    private func forward(_ call: IntercomCall, now: Int, events: inout [PhoneEvent]) -> IntercomAnswer {
        var number = settings.dial
        if let text = call.phoneNumberToDial {
            if let fromURL = IntercomCall.number(text) {
                number = fromURL
            } else {
                logger.error("intercom: PhoneNumberToDial \(JSON.quoted(text)) in the webhook URL is not an E.164 number; not dialled")
            }
        }
        let clients = settings.ringClients
        guard number != nil || !clients.isEmpty else {
            return IntercomAnswer(twiml: TwiML([.say(Intercom.nobodyMessage), .hangup()]), outcome: .nobodyToCall)
        }
        // One <Dial>: the phone and the browsers ring together; whoever answers first presses the digit.
        let nouns = (number.map { [TwiMLElement.number($0.e164)] } ?? []) + clients.map { TwiMLElement.client(ClientIdentity.of($0)) }
        events.append(Intercom.event("intercom.ringing", ["at": .int(now), "from": .string(String(call.from.prefix(IntercomOpening.maximumFromLength)))]))
        return IntercomAnswer(twiml: TwiML([.dial(nouns, timeout: settings.dialTimeout)]), outcome: .forwarded(number: number, clients: clients))
    }

    // MARK: Grant periods

    /// The grant running now, if any.
    public func activeGrant() -> GrantPeriod? {
        let now = clock()
        return lock.withLock { state.activeGrant(at: now) }
    }

    /// Starts a grant for `minutes`, or changes the running one (`action`; default: extend
    /// when one runs). Minutes must be 1 to `max_grant_minutes`; the end is capped at now + max.
    @discardableResult
    public func changeGrant(minutes: Int, action: GrantAction? = nil, by user: String) throws -> GrantPeriod {
        guard (1...settings.maxGrantMinutes).contains(minutes) else {
            throw IntercomStateError("minutes must be a whole number from 1 to \(settings.maxGrantMinutes)")
        }
        let now = clock()
        var events: [PhoneEvent] = []
        let grant = try lock.withLock { () throws -> GrantPeriod in
            refreshLocked(now: now, events: &events)
            expireLocked(now: now, events: &events)
            let running = state.activeGrant(at: now)
            let grant: GrantPeriod
            switch (running, action ?? .extend) {
            case let (running?, .extend):
                grant = running.extended(byMinutes: minutes, at: now, maxMinutes: settings.maxGrantMinutes)
            case let (running?, .start):
                grant = GrantPeriod(startedAt: running.startedAt, until: now + minutes * 60, by: running.by)
            case (nil, _):
                grant = GrantPeriod.starting(at: now, minutes: minutes, by: user)
            }
            try saveLocked { $0.grant = grant }
            events.append(Intercom.grantEvent(running == nil ? "started" : "extended", until: grant.until, by: user))
            return grant
        }
        publish(events)
        logger.notice("intercom: \(user) \(events.last.flatMap { $0.data["action"]?.stringValue } ?? "changed") the grant period, until \(GrantPeriod.utcText(grant.until))")
        return grant
    }

    /// Ends the running grant now; nil when none was running.
    @discardableResult
    public func endGrant(by user: String) throws -> GrantPeriod? {
        let now = clock()
        var events: [PhoneEvent] = []
        let ended = try lock.withLock { () throws -> GrantPeriod? in
            refreshLocked(now: now, events: &events)
            expireLocked(now: now, events: &events)
            guard let running = state.activeGrant(at: now) else { return nil }
            try saveLocked { $0.grant = nil }
            events.append(Intercom.grantEvent("ended", until: now, by: user))
            return running
        }
        publish(events)
        if ended != nil { logger.notice("intercom: \(user) ended the grant period") }
        return ended
    }

    /// `GET /grant?code=` with the right code: the door opens for `minutes` (default
    /// `grant_minutes`, at most `max_grant_minutes`) from now. A running grant that ends later
    /// is left alone, so reloading the bookmark never shortens it.
    public func grantFromLink(minutes requested: Int? = nil) throws -> GrantPeriod {
        let minutes = min(requested ?? settings.grantMinutes, settings.maxGrantMinutes)
        let now = clock()
        var events: [PhoneEvent] = []
        let grant = try lock.withLock { () throws -> GrantPeriod in
            refreshLocked(now: now, events: &events)
            expireLocked(now: now, events: &events)
            let wanted = now + minutes * 60
            if let running = state.activeGrant(at: now) {
                guard running.until < wanted else { return running }
                var grant = running
                grant.until = wanted
                try saveLocked { $0.grant = grant }
                events.append(Intercom.grantEvent("extended", until: grant.until, by: "link"))
                return grant
            }
            let grant = GrantPeriod.starting(at: now, minutes: minutes, by: "link")
            try saveLocked { $0.grant = grant }
            events.append(Intercom.grantEvent("started", until: grant.until, by: "link"))
            return grant
        }
        publish(events)
        if !events.isEmpty { logger.notice("intercom: grant link opened the door until \(GrantPeriod.utcText(grant.until))") }
        return grant
    }

    /// The body of `GET /api/intercom`.
    public func status() -> JSON {
        let now = clock()
        var events: [PhoneEvent] = []
        let snapshot = lock.withLock { () -> IntercomState in
            refreshLocked(now: now, events: &events)
            expireLocked(now: now, events: &events)
            return state
        }
        publish(events)
        return [
            "grant": snapshot.activeGrant(at: now)?.json ?? GrantPeriod.inactiveJSON,
            "openings": .array(snapshot.openings.map(\.json)),
            "grantMinutes": .int(settings.grantMinutes),
            "maxGrantMinutes": .int(settings.maxGrantMinutes),
            "now": .int(now),
        ]
    }

    /// The state as the server holds it now (for tests and the log).
    public var currentState: IntercomState { lock.withLock { state } }

    // MARK: The timer

    /// Once a second: ends a grant whose time is up, and picks up the CLI's changes.
    public func tick() {
        let now = clock()
        var events: [PhoneEvent] = []
        lock.withLock {
            refreshLocked(now: now, events: &events)
            expireLocked(now: now, events: &events)
        }
        publish(events)
    }

    /// Starts the once-a-second timer (not in `check-config`, not in unit tests).
    public func startTimer() {
        lock.withLock {
            guard timer == nil else { return }
            let source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "shetphone.intercom"))
            source.schedule(deadline: .now() + .seconds(1), repeating: .seconds(1), leeway: .milliseconds(100))
            source.setEventHandler { [weak self] in self?.tick() }
            source.resume()
            timer = source
        }
    }

    public func stopTimer() {
        lock.withLock {
            timer?.cancel()
            timer = nil
        }
    }

    // MARK: Internals (call with the lock held)

    /// Reads the file again when someone else (`shetphone grant`) replaced it, and tells the
    /// dialers what changed about the grant.
    private func refreshLocked(now: Int, events: inout [PhoneEvent]) {
        let current = stateFile.stamp()
        guard current != stamp else { return }
        do {
            let fresh = try stateFile.read()
            let before = state.activeGrant(at: now)
            let after = fresh.activeGrant(at: now)
            if before != after {
                if let after {
                    events.append(Intercom.grantEvent(before == nil ? "started" : "extended", until: after.until, by: "cli"))
                } else {
                    events.append(Intercom.grantEvent("ended", until: now, by: "cli"))
                }
                logger.notice("intercom: the state file changed: grant \(after.map { "until " + GrantPeriod.utcText($0.until) } ?? "ended")")
            }
            state = fresh
        } catch {
            logger.error("intercom: \(error); keeping the state held in memory")
        }
        // Also after a failed read: the same broken file is reported once, not every second.
        stamp = current
    }

    /// Ends a grant whose time is up, once, with an `ended` event for the open dialers.
    private func expireLocked(now: Int, events: inout [PhoneEvent]) {
        guard let grant = state.grant, !grant.isActive(at: now) else { return }
        do {
            try saveLocked { $0.grant = nil }
        } catch {
            logger.error("intercom: \(error)")
            state.grant = nil
        }
        events.append(Intercom.grantEvent("ended", until: grant.until, by: grant.by))
        logger.notice("intercom: the grant period by \(grant.by) ended at \(GrantPeriod.utcText(grant.until))")
    }

    /// Writes the change to the file (under the file lock); the memory copy follows only on success.
    private func saveLocked(_ change: (inout IntercomState) -> Void) throws {
        let (written, newStamp) = try stateFile.update(cached: (state, stamp)) { change(&$0) }
        state = written
        stamp = newStamp
    }

    private static func grantEvent(_ action: String, until: Int, by: String) -> PhoneEvent {
        event("intercom.grant", ["action": .string(action), "until": .int(until), "by": .string(by)])
    }

    /// Intercom events go to every dialer.
    private static func event(_ type: String, _ data: JSON) -> PhoneEvent {
        PhoneEvent(type, data, rooms: [RoomName.everyone])
    }

    private func publish(_ events: [PhoneEvent]) {
        for event in events { publisher.publish(event) }
    }
}
