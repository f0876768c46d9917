/// One call in the history, whatever order its callbacks came in: the facts gathered so far and
/// what they add up to (who answered, when it ended, how).
///
/// `merging(_:)` is a pure function: the same set of updates, in any order and any number of
/// times each, gives the same record. Facts only grow (earliest times, furthest statuses, unions);
/// the summary (`answeredBy`, `endedAt`, `outcome`) is derived from them, never merged.
public struct CallRecord: Sendable, Equatable {
    /// The store's row id (nil before the first write): breaks ties in the history's order.
    public var id: Int?
    public var sid: String
    public var parentSid: String?
    public var direction: CallDirection?
    public var ourNumber: String?
    public var otherParty: String?
    public var callerName: String?
    /// The browser user who placed an outgoing call.
    public var user: String?
    /// Sorted, without repeats.
    public var usersRung: [String]
    /// Sorted by sid.
    public var legs: [CallLeg]
    public var dialStatus: String?
    /// What the intercom did at the door for this call: `grant`, `code` (it opened by
    /// itself), `answered` (a person took the forwarded call), `refused` (not the intercom).
    public var door: String?
    /// Unix milliseconds of the first thing the server learnt about the call.
    public var startedAt: Int
    /// Unix milliseconds the history last changed; not part of the call's facts.
    public var updatedAt: Int

    public init(sid: String, startedAt: Int) {
        self.sid = sid
        self.usersRung = []
        self.legs = []
        self.startedAt = startedAt
        self.updatedAt = startedAt
    }

    /// The record with `update` folded in.
    public func merging(_ update: CallUpdate) -> CallRecord {
        var record = self
        record.parentSid = parentSid ?? update.parentSid
        record.direction = direction ?? update.direction
        record.ourNumber = ourNumber ?? update.ourNumber
        record.otherParty = otherParty ?? update.otherParty
        record.callerName = callerName ?? update.callerName
        record.user = user ?? update.user
        record.door = door ?? update.door
        if !update.usersRung.isEmpty {
            record.usersRung = Array(Set(usersRung).union(update.usersRung)).sorted()
        }
        if let leg = update.leg {
            if let index = legs.firstIndex(where: { $0.sid == leg.sid }) {
                record.legs[index] = legs[index].merged(with: leg)
            } else {
                record.legs.append(leg)
                record.legs.sort { $0.sid < $1.sid }
            }
            if let user = leg.user, record.direction != .outgoing, !record.usersRung.contains(user) {
                record.usersRung = (record.usersRung + [user]).sorted()
            }
        }
        if let status = update.dialStatus {
            // One `<Dial>` per call: a repeated action callback says the same; keep the furthest.
            if let current = dialStatus, CallLeg.rank(current) >= CallLeg.rank(status) && current >= status {
                record.dialStatus = current
            } else {
                record.dialStatus = status
            }
        }
        record.startedAt = min(startedAt, update.at)
        record.updatedAt = max(updatedAt, update.at)
        return record
    }

    /// A new record from its first update.
    public static func from(_ update: CallUpdate) -> CallRecord {
        CallRecord(sid: update.callSid, startedAt: update.at).merging(update)
    }

    // MARK: What the facts add up to

    /// The leg answered first (the browser user who took an incoming call, or the far end of an
    /// outgoing one); ties broken by sid so the answer does not depend on callback order.
    public var answeredLeg: CallLeg? {
        childLegs.filter(\.wasAnswered).min { ($0.answeredAt ?? 0, $0.sid) < ($1.answeredAt ?? 0, $1.sid) }
    }

    /// The browser user who answered an incoming call.
    public var answeredBy: String? { answeredLeg?.user }

    /// The phone number whose leg answered first (E.164): the resident's phone that took an
    /// intercom call, a `[ring]` mobile, or the number an outgoing call reached. Nil when a
    /// browser answered, or when no callback named the leg's number.
    public var answeredNumber: String? { answeredLeg?.number }

    public var answeredAt: Int? { answeredLeg?.answeredAt }

    /// When the call ended, once it has: the answered leg's end, else the `<Dial action>`, else
    /// the last leg's end once every leg ended.
    public var endedAt: Int? {
        let children = childLegs
        let ends = children.compactMap(\.endedAt)
        if let root = legs.first(where: { $0.sid == sid }), root.hasEnded {
            return latest(root.endedAt, ends.max()) ?? updatedAt
        }
        if let answered = answeredLeg { return answered.endedAt }
        if dialStatus != nil { return ends.max() ?? updatedAt }
        if door != nil && children.isEmpty { return startedAt }
        guard !children.isEmpty, children.allSatisfy(\.hasEnded) else { return nil }
        return ends.max()
    }

    /// The legs Twilio placed for this call (browsers rung, the number dialled), without the
    /// call's own first leg, whose answer is Twilio's and not a person's.
    public var childLegs: [CallLeg] { legs.filter { $0.sid != sid } }

    /// Seconds talked (0 when nobody answered); nil while the call goes on.
    public var duration: Int? {
        guard endedAt != nil else { return nil }
        guard let answered = answeredLeg else { return 0 }
        if let seconds = answered.duration { return seconds }
        if let start = answered.answeredAt, let end = answered.endedAt { return max(0, (end - start) / 1000) }
        return 0
    }

    /// `ringing`, `in-progress` or `ended`.
    public var state: String {
        if endedAt != nil { return "ended" }
        return answeredLeg != nil ? "in-progress" : "ringing"
    }

    /// How the call ended; nil while it goes on.
    public var outcome: CallOutcome? {
        guard endedAt != nil else { return nil }
        // `refused`: the intercom's webhook refused a caller that is not the intercom.
        if door == "refused" { return .rejected }
        if answeredLeg != nil || door != nil { return .completed }
        let rootFailed = legs.contains { $0.sid == sid && $0.status == "failed" }
        let finals = childLegs.map(\.status).filter { CallLeg.finalStatuses.contains($0) }
        switch direction {
        case .outgoing:
            for (status, outcome) in [("busy", CallOutcome.busy), ("no-answer", .noAnswer), ("failed", .failed)]
            where finals.contains(status) || dialStatus == status {
                return outcome
            }
            return rootFailed ? .failed : .canceled
        case .incoming, .intercom, nil:
            if !finals.isEmpty && finals.allSatisfy({ $0 == "busy" }) { return .rejected }
            if dialStatus == "failed" || rootFailed && finals.isEmpty || (!finals.isEmpty && finals.allSatisfy({ $0 == "failed" })) { return .failed }
            return .missed
        }
    }

    /// True for an incoming call nobody took: what the missed-call badge counts.
    public var isMissed: Bool { outcome == .missed || outcome == .rejected }
}
