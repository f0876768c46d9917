/// How every store call reports back: on a store thread, once the work committed (writes) or
/// ran (reads). Hop to your event loop from there (`Responder.send` does).
public typealias StoreCompletion<T> = (Result<T, StoreError>) -> Void

/// Everything Shetphone keeps across restarts, behind one interface: the embedded SQLite store
/// (`SQLiteStore`) or another backend. Callers see Swift values, never SQL. Writes are batched
/// by one writer (group commit) and complete after their commit; reads run on store threads.
/// Nothing here may be called to wait from an event loop: the `...Now` and `load...` calls
/// that block are for start-up and the command line only.
public protocol PhoneStore: AnyObject, Sendable {
    var sessions: SessionRecords { get }
    var calls: CallRecords { get }
    var intercom: IntercomRecords { get }
    var voicemail: VoicemailRecords { get }
    /// Texts: threads per number and party, read marks per user.
    var messages: MessageRecords { get }
    /// Emails and hooks waiting to go out.
    var notices: NoticeRecords { get }
    /// The address book: contacts private to a user or shared on a number.
    var contacts: ContactRecords { get }
    /// The login throttle's failure counts, shared by the instances on one store.
    var loginFailures: LoginFailureRecords { get }
    /// Secrets every instance shares (the device-cookie key); start-up only.
    var secrets: SecretRecords { get }
    /// What the file is called in messages (`/var/lib/shetphone/shetphone.db`).
    var location: String { get }
    /// True while writes are failing (disk full): webhooks answer 503 until it clears.
    var isFailing: Bool { get }
    /// Jobs waiting for the writer (for `/metrics`).
    var writeBacklog: Int { get }
    /// A consistent copy of the whole store at `path`, safe while serving (blocks: CLI only).
    func backup(to path: String) throws
    /// Finishes queued writes, then closes.
    func close()
    /// How this instance talks to the others sharing the store (nil when it is alone).
    var bus: InstanceBus? { get }
    /// Which instance does `role`'s once-for-all work (alone on the store: this one, always).
    func leadership(of role: StoreRole) -> InstanceLeadership
}
