/// The intercom's memory: the grant period, the one-time door codes used, the door openings.
public struct StoredIntercom: Sendable, Equatable {
    /// A grant period, unix seconds, and who started it.
    public struct Grant: Sendable, Equatable {
        public var startedAt: Int
        public var until: Int
        public var by: String
        public init(startedAt: Int, until: Int, by: String) {
            self.startedAt = startedAt
            self.until = until
            self.by = by
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

/// The intercom's state in the store.
public protocol IntercomRecords: Sendable {
    /// The whole state, newest `openingLimit` openings (start-up and CLI: blocks).
    func loadNow(openingLimit: Int) throws -> StoredIntercom
    /// Sets (or with nil, ends) the grant period.
    func setGrant(_ grant: StoredIntercom.Grant?, then: @escaping StoreCompletion<Void>)
    /// Marks a one-time code used; `then` gets false when it already was (a replay).
    func useCode(_ code: String, at: Int, then: @escaping StoreCompletion<Bool>)
    /// Logs an opening, keeping the newest `keep`.
    func recordOpening(_ opening: StoredIntercom.Opening, keep: Int, then: @escaping StoreCompletion<Void>)
    /// Writes a whole state at once (the one-time import of the old JSON file; blocks).
    func importNow(_ state: StoredIntercom) throws
}
