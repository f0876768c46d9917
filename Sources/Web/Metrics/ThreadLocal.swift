import Glibc

/// One value per thread, behind a pthread key: what a thread keeps here no other thread reads,
/// so using it needs no lock. The value is made on a thread's first use and released when the
/// thread ends.
final class ThreadLocal<Value>: @unchecked Sendable {
    /// The per-thread value lives in a box so it can be changed in place.
    private final class Box {
        var value: Value
        init(_ value: Value) { self.value = value }
    }

    private var key = pthread_key_t()
    private let makeValue: () -> Value

    init(_ makeValue: @escaping () -> Value) {
        self.makeValue = makeValue
        let created = pthread_key_create(&key) { raw in
            if let raw { Unmanaged<AnyObject>.fromOpaque(raw).release() }
        }
        // Only PTHREAD_KEYS_MAX (1024) keys exist; running out is a programming error (a family per request).
        precondition(created == 0, "pthread_key_create failed (\(created)): too many ThreadLocal values")
    }

    deinit {
        // Values still held by live threads are not released (POSIX runs no destructors here);
        // metric families live as long as the process, so this only happens in tests.
        pthread_key_delete(key)
    }

    /// Runs `body` with this thread's value.
    func withValue<Result>(_ body: (inout Value) -> Result) -> Result {
        let box: Box
        if let raw = pthread_getspecific(key) {
            box = Unmanaged<Box>.fromOpaque(raw).takeUnretainedValue()
        } else {
            box = Box(makeValue())
            pthread_setspecific(key, Unmanaged.passRetained(box).toOpaque())
        }
        return body(&box.value)
    }
}
