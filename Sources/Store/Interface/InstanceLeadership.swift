/// Which one of the instances sharing a store does a job that must happen once (the intercom's
/// grant ending on time, announcing a change `shetphone grant` made). Held by PostgreSQL's
/// advisory lock; an instance alone on its store (SQLite) always leads.
public protocol InstanceLeadership: AnyObject, Sendable {
    /// True while this instance holds the lead; never blocks.
    var isLeader: Bool { get }
    /// Gives the lead up (at shutdown) and stops trying.
    func stop()
}

/// The lead of an instance that is alone on its store.
public final class SoleLeadership: InstanceLeadership {
    public init() {}
    public var isLeader: Bool { true }
    public func stop() {}
}

extension PhoneStore {
    /// Alone on the store: always the leader.
    public func leadership(of role: StoreRole) -> InstanceLeadership { SoleLeadership() }
}

/// A job one instance does for all; its number is the advisory lock's key.
public enum StoreRole: Int64, Sendable {
    /// Ends grants on time and announces changes made by the command line (`SHPI`); also
    /// asks Twilio about calls whose last callback never came (`CallSettler`).
    case intercom = 0x5348_5049
}
