import Web

/// What SIGHUP can swap while requests run: read under a lock, replaced whole.
final class LiveState: @unchecked Sendable {
    private let lock = Mutex()
    private var current: Telephony

    init(telephony: Telephony) { current = telephony }

    var telephony: Telephony {
        get { lock.withLock { current } }
        set { lock.withLock { current = newValue } }
    }
}
