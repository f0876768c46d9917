import Glibc

/// One object per thread, behind a pthread key: what a thread keeps in it no other thread
/// touches, so using it needs no lock. The object is made on a thread's first use and released
/// when the thread ends.
final class ThreadLocal<Value: AnyObject>: @unchecked Sendable {
    /// A `let` (made in a local first): reading it on every use needs no exclusivity check.
    private let key: pthread_key_t
    private let makeValue: () -> Value

    init(_ makeValue: @escaping () -> Value) {
        self.makeValue = makeValue
        var key = pthread_key_t()
        let created = pthread_key_create(&key) { raw in
            if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
        }
        // Only PTHREAD_KEYS_MAX (1024) keys exist; running out is a programming error (a family per request).
        precondition(created == 0, "pthread_key_create failed (\(created)): too many ThreadLocal values")
        self.key = key
    }

    deinit {
        // Objects still held by live threads are not released (POSIX runs no destructors here);
        // metric families live as long as the process, so this only happens in tests.
        pthread_key_delete(key)
    }

    /// This thread's object.
    var current: Value {
        if let raw = pthread_getspecific(key) {
            return Unmanaged<Value>.fromOpaque(raw).takeUnretainedValue()
        }
        let value = makeValue()
        pthread_setspecific(key, Unmanaged.passRetained(value).toOpaque())
        return value
    }
}

/// A thread's private map from series keys to the shared metric objects (see `MetricFamily`).
final class SeriesCache<Key: Hashable, Metric> {
    var entries: [Key: Metric] = [:]
    /// The series used last: a loop answering the same route again and again compares its key
    /// (strings that share storage compare without reading them) instead of hashing it.
    private var last: (key: Key, metric: Metric)?
    /// A cache stops growing here; lookups past it take the family's lock, which is still correct.
    static var limit: Int { 4_096 }

    func metric(for key: Key) -> Metric? {
        // Read into a local first: the comparison runs outside the access to `last`.
        let previous = last
        if let previous, previous.key == key { return previous.metric }
        guard let metric = entries[key] else { return nil }
        last = (key, metric)
        return metric
    }

    func insert(_ metric: Metric, for key: Key) {
        if entries.count < SeriesCache.limit { entries[key] = metric }
        last = (key, metric)
    }
}
