import Glibc

/// Microseconds on the monotonic clock: request latencies are tens of µs, below `monotonicMillis`.
/// Milliseconds on the coarse monotonic clock (the kernel's tick, a few ms): cheaper to read
/// than `monotonicMillis`, for checks that count seconds (a cached file's revalidation).
public func coarseMonotonicMillis() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now)
    return UInt64(now.tv_sec) * 1000 + UInt64(now.tv_nsec) / 1_000_000
}

public func monotonicMicros() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) * 1_000_000 + UInt64(now.tv_nsec) / 1_000
}
