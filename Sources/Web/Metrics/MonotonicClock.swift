import Glibc

/// Microseconds on the monotonic clock: request latencies are tens of µs, below `monotonicMillis`.
public func monotonicMicros() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}
