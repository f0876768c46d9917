/// Messages between the instances that share one store (PostgreSQL's LISTEN/NOTIFY): live
/// events for the dialers connected to another instance, and logins made or ended elsewhere.
/// An instance never receives its own messages back. Callbacks run on the bus's own thread.
public protocol InstanceBus: AnyObject, Sendable {
    /// Sends `message` to every other instance once the store commits it; never blocks.
    func publish(_ message: String)
    /// Starts delivering: `onMessage` for each message of another instance, `onSession` with a
    /// login saved (`StoredSession`) or ended (`nil`, by its key) on another instance, `onTouch`
    /// when another instance stored a later use of a login (its key and Unix ms), and
    /// `onResync` each time listening starts (first, and after the bus was down): what other
    /// instances committed before then came with no message, so read it from the store.
    func start(onMessage: @escaping @Sendable (String) -> Void,
               onSession: @escaping @Sendable (_ key: String, StoredSession?) -> Void,
               onTouch: @escaping @Sendable (_ key: String, _ lastSeen: Int) -> Void,
               onResync: @escaping @Sendable () -> Void)
    func stop()
}

extension PhoneStore {
    /// No other instances: the embedded store has no bus.
    public var bus: InstanceBus? { nil }
}
