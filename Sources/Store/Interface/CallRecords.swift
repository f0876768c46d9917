/// Where a history page starts: strictly older than this call.
public struct CallCursor: Sendable, Equatable {
    public var startedAt: Int
    public var id: Int

    public init(startedAt: Int, id: Int) {
        self.startedAt = startedAt
        self.id = id
    }

    /// `1700000000000.42`, the `before` of `GET /api/calls`.
    public var text: String { "\(startedAt).\(id)" }

    /// Reads `text`; nil when it is not a cursor.
    public init?(text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ $0.count <= 19 }),
              let startedAt = Int(parts[0]), let id = Int(parts[1]), startedAt >= 0, id >= 0 else { return nil }
        self.init(startedAt: startedAt, id: id)
    }
}

/// One page of one user's history: which calls they may see, how it is filtered.
public struct CallQuery: Sendable, Equatable {
    /// The user asking: sees their own outgoing calls...
    public var user: String
    /// ...and every other call to or from these numbers (E.164) they are on.
    public var numbers: [String]
    public var before: CallCursor?
    public var limit: Int
    /// Digits matched anywhere in the other party's number (`44 20` finds `+442071234567`).
    public var digits: String?
    /// Matched anywhere in the caller's name or the other party (case-insensitive ASCII).
    public var text: String?
    /// More numbers (E.164) to match, e.g. those of presets whose name matched `text`.
    public var alsoNumbers: [String]
    /// Only the calls nobody answered.
    public var missedOnly: Bool

    public init(user: String, numbers: [String], before: CallCursor? = nil, limit: Int = 50, digits: String? = nil,
                text: String? = nil, alsoNumbers: [String] = [], missedOnly: Bool = false) {
        self.user = user
        self.numbers = numbers
        self.before = before
        self.limit = limit
        self.digits = digits
        self.text = text
        self.alsoNumbers = alsoNumbers
        self.missedOnly = missedOnly
    }
}

/// A page of history, newest first, and where the next one starts.
public struct CallPage: Sendable, Equatable {
    public var calls: [CallRecord]
    /// Nil on the last page.
    public var next: CallCursor?
    /// Missed calls the user has not marked seen.
    public var unseenMissed: Int

    public init(calls: [CallRecord], next: CallCursor?, unseenMissed: Int) {
        self.calls = calls
        self.next = next
        self.unseenMissed = unseenMissed
    }
}

/// The call history.
public protocol CallRecords: Sendable {
    /// Folds `update` into its call's record (made on first sight) and commits; `then` gets the
    /// record as stored.
    func merge(_ update: CallUpdate, then: @escaping StoreCompletion<CallRecord>)
    func page(_ query: CallQuery, then: @escaping StoreCompletion<CallPage>)
    /// The missed-call count of `user` goes back to zero (calls started up to `at`, unix ms).
    func markSeen(user: String, at: Int, then: @escaping StoreCompletion<Void>)
    /// Deletes calls that started before `cutoff` (unix ms), in small batches; `then` gets how many.
    func purge(startedBefore cutoff: Int, then: @escaping StoreCompletion<Int>)
    /// Calls not ended yet that look stale, oldest first, at most `limit`: nobody answered and
    /// they started before `ringingBefore`, or someone answered and they started before
    /// `answeredBefore` (unix ms). The call settler asks Twilio about these.
    func openCalls(ringingBefore: Int, answeredBefore: Int, limit: Int, then: @escaping StoreCompletion<[CallRecord]>)
    /// Every call, oldest first (CLI export: blocks).
    func forEachNow(_ body: (CallRecord) throws -> Void) throws
}
