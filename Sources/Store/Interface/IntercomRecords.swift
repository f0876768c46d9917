/// The intercom's memory: the grant period, the one-time door codes used, the door openings.
public struct StoredIntercom: Sendable, Equatable {
    /// A grant period, unix seconds, and who started it.
    public struct Grant: Sendable, Equatable {
        public var startedAt: Int
        public var until: Int
        public var by: String
        /// False while nobody has told the dialers about this change yet (`shetphone grant`
        /// wrote it): the instance that holds the intercom's lead announces it once.
        public var announced: Bool
        public init(startedAt: Int, until: Int, by: String, announced: Bool = true) {
            self.startedAt = startedAt
            self.until = until
            self.by = by
            self.announced = announced
        }
    }

    /// One time the door opened by itself: unix seconds, `grant` or `code`, the caller.
    public struct Opening: Sendable, Equatable {
        public var at: Int
        public var how: String
        public var from: String
        public init(at: Int, how: String, from: String) {
            self.at = at
            self.how = how
            self.from = from
        }
    }

    public var grant: Grant?
    public var usedCodes: Set<String>
    /// Newest first.
    public var openings: [Opening]

    public init(grant: Grant? = nil, usedCodes: Set<String> = [], openings: [Opening] = []) {
        self.grant = grant
        self.usedCodes = usedCodes
        self.openings = openings
    }
}

/// Wrong grant-link codes from one client address in the current window (shared by every
/// instance on the store, so guessing across instances is limited too).
public struct CodeAttempts: Sendable, Equatable {
    /// Attempts counted in the window, this one included; past the limit it stays at limit + 1.
    public var failures: Int
    /// Unix seconds the window began.
    public var windowStart: Int
    public init(failures: Int, windowStart: Int) {
        self.failures = failures
        self.windowStart = windowStart
    }
}

/// What `IntercomRecords.open` did.
public enum DoorOpeningResult: Sendable, Equatable {
    /// The opening is logged (and its code marked used).
    case opened
    /// This call opened the door before (Twilio retrying a webhook whose answer it missed):
    /// nothing changed, and the door opens again.
    case openedBefore
    /// The single-use code was used already, by another call (perhaps on another instance a
    /// moment before): nothing changed, the door stays shut.
    case codeUsed
}

/// The intercom's state in the store.
public protocol IntercomRecords: Sendable {
    /// The whole state, newest `openingLimit` openings (start-up and CLI: blocks).
    func loadNow(openingLimit: Int) throws -> StoredIntercom
    /// The whole state, read off the caller's thread.
    func load(openingLimit: Int, then: @escaping StoreCompletion<StoredIntercom>)
    /// Sets (or with nil, removes) the grant period.
    func setGrant(_ grant: StoredIntercom.Grant?, then: @escaping StoreCompletion<Void>)
    /// Removes the grant only while it still ends at `until` (a grant that ran out); `then` gets
    /// true for the one caller that removed it, so exactly one instance tells the dialers.
    func endGrant(until: Int, then: @escaping StoreCompletion<Bool>)
    /// Marks the unannounced grant that ends at `until` announced; true for the one caller that did.
    func announceGrant(until: Int, then: @escaping StoreCompletion<Bool>)
    /// Marks a one-time code used; `then` gets false when it already was (a replay).
    func useCode(_ code: String, at: Int, then: @escaping StoreCompletion<Bool>)
    /// Logs an opening, keeping the newest `keep`.
    func recordOpening(_ opening: StoredIntercom.Opening, keep: Int, then: @escaping StoreCompletion<Void>)
    /// One door opening in one write: marks `code` used (when given) and logs the opening of
    /// call `callSid` (see `DoorOpeningResult`).
    func open(_ opening: StoredIntercom.Opening, consuming code: String?, callSid: String?, keep: Int,
              then: @escaping StoreCompletion<DoorOpeningResult>)
    /// Writes a whole state at once (the one-time import of the old JSON file; blocks).
    func importNow(_ state: StoredIntercom) throws
    /// Counts one grant-link attempt from `address` at `now`: a window older than
    /// `windowSeconds` starts afresh; at `maxFailures` the count stops at `maxFailures + 1`.
    func countCodeAttempt(address: String, now: Int, windowSeconds: Int, maxFailures: Int,
                          then: @escaping StoreCompletion<CodeAttempts>)
    /// The attempt was right: `address` starts afresh.
    func forgetCodeAttempts(address: String, then: @escaping StoreCompletion<Void>)
    /// Drops windows that began before `before` (kept small by the intercom's sweep).
    func purgeCodeAttempts(before: Int, then: @escaping StoreCompletion<Void>)
}
