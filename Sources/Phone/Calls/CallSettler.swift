import Glibc
import Logging
import Store
import Web

/// Ends the calls the history still shows ringing or in progress long after they should have
/// ended. Twilio does not retry a status callback that failed (a restart, a network hiccup), so
/// without this such a call stays open in the history and in every dialer for good.
///
/// From an event loop's sweep, at most once per `lookMillis` and only on the instance that leads
/// (`leadership`), it asks the store for calls open past `ringingSeconds` (nobody answered) or
/// `answeredSeconds` (someone did), asks Twilio's API about each (`GET /Calls/{Sid}.json`, on
/// the outbound thread), and applies what Twilio says exactly as the status callback would have
/// (`apply`: the same history update and `call.updated` event). A call Twilio says goes on, or
/// one Twilio could not be asked about, is asked about again later, waiting twice as long each
/// time (at most an hour). Nothing here runs on the loop but the bookkeeping.
public final class CallSettler: @unchecked Sendable {
    let calls: CallRecords
    let api: TwilioAPI
    let leadership: InstanceLeadership
    let logger: Logger
    /// Gives the status callback Twilio did not deliver to the history (`VoiceRoutes`).
    let apply: @Sendable (_ form: [(String, String)], _ query: [(String, String)], _ now: Int,
                          _ then: @escaping StoreCompletion<CallRecord>) -> Void
    public let ringingSeconds: Int
    public let answeredSeconds: Int
    /// How often the store is asked: half the ringing bound, between 1 s and a minute.
    let lookMillis: UInt64
    /// Calls asked about at most per look (the oldest first).
    static let batch = 50

    private let lock = Mutex()
    private var looking = false
    private var lastLook: UInt64 = 0
    private var stopping = false
    /// Calls asked about that are not settled: how often, and not before when (sweep millis).
    private var waiting: [String: (asks: Int, notBefore: UInt64)] = [:]
    private var inFlight: Set<String> = []

    public init(calls: CallRecords, api: TwilioAPI, leadership: InstanceLeadership, ringingSeconds: Int,
                answeredSeconds: Int, logger: Logger,
                apply: @escaping @Sendable ([(String, String)], [(String, String)], Int,
                                            @escaping StoreCompletion<CallRecord>) -> Void) {
        self.calls = calls
        self.api = api
        self.leadership = leadership
        self.ringingSeconds = ringingSeconds
        self.answeredSeconds = answeredSeconds
        self.logger = logger
        self.apply = apply
        lookMillis = UInt64(min(60, max(1, ringingSeconds / 2))) * 1000
    }

    /// For an event loop's sweep (`loop.addSweep { settler.sweep(now: $0) }`); `millis` is the
    /// loop's monotonic clock. Never blocks: a store reader answers the look.
    public func sweep(now millis: UInt64) {
        let look = lock.withLock { () -> Bool in
            guard !stopping, !looking, lastLook == 0 || millis &- lastLook >= lookMillis else { return false }
            lastLook = millis
            looking = true
            return true
        }
        guard look else { return }
        guard leadership.isLeader else { return lock.withLock { looking = false } }
        let nowMillis = VoiceRoutes.nowMillis()
        calls.openCalls(ringingBefore: nowMillis - ringingSeconds * 1000, answeredBefore: nowMillis - answeredSeconds * 1000,
                        limit: CallSettler.batch) { [self] result in
            let due = lock.withLock { () -> [CallRecord] in
                looking = false
                guard case .success(let open) = result, !stopping else { return [] }
                // Forget calls settled meanwhile (their callback came late, or another look did it).
                let stillOpen = Set(open.map(\.sid))
                waiting = waiting.filter { stillOpen.contains($0.key) }
                return open.filter { record in
                    guard !inFlight.contains(record.sid), (waiting[record.sid]?.notBefore ?? 0) <= millis else { return false }
                    inFlight.insert(record.sid)
                    return true
                }
            }
            if case .failure(let error) = result { logger.warning("call settler: cannot read the open calls: \(error)") }
            for record in due { ask(record, sweptAt: millis) }
        }
    }

    /// Asks nothing more (at shutdown); answers on their way are still applied.
    public func stop() {
        lock.withLock { stopping = true }
    }

    private func ask(_ record: CallRecord, sweptAt millis: UInt64) {
        api.fetchCall(record.sid) { [self] answer in
            let settlement = CallSettlement.decide(record, answer: answer, now: VoiceRoutes.nowMillis())
            switch settlement {
            case let .settle(status, duration, endedAt):
                let callback = CallSettlement.statusCallback(record, status: status, duration: duration)
                logger.info("call settler: call \(record.sid) was still \(record.state) here; Twilio says \(describe(answer)): recorded as \(status)")
                apply(callback.form, callback.query, endedAt) { [self] result in
                    lock.withLock { _ = inFlight.remove(record.sid) }
                    if case .failure(let error) = result { logger.warning("call settler: call \(record.sid) not recorded: \(error)") }
                }
            case .stillLive, .retry:
                let next = lock.withLock { () -> UInt64 in
                    inFlight.remove(record.sid)
                    let asks = (waiting[record.sid]?.asks ?? 0) + 1
                    let delay = CallSettlement.retryDelayMillis(asks: asks, firstMillis: lookMillis)
                    waiting[record.sid] = (asks, millis &+ delay)
                    return delay
                }
                if settlement == .retry {
                    logger.warning("call settler: call \(record.sid): \(describe(answer)); asking again in \(next / 1000) s")
                }
            }
        }
    }

    private func describe(_ answer: Result<TwilioCall, TwilioAPIError>) -> String {
        switch answer {
        case .success(let call): return call.status
        case .failure(.api(status: 404, _, _, _)): return "it does not know the call"
        case .failure(let error): return "\(error)"
        }
    }
}
