import Glibc
import XCTest
@testable import Web

/// The worker pool runs jobs in order and lets go of each job (and what it captured) once it ran.
final class WorkerPoolTests: XCTestCase {
    private final class Payload {
        let bytes = [UInt8](repeating: 7, count: 64 * 1024)
    }

    func testAJobThatRanNoLongerHoldsWhatItCaptured() {
        let pool = WorkerPool(threads: 1)
        weak var watched: Payload?
        let done = Mutex()
        var ran = 0
        for _ in 0..<10 {
            let payload = Payload()
            if watched == nil { watched = payload }
            pool.submit {
                _ = payload.bytes.count
                done.withLock { ran += 1 }
            }
        }
        // A last job to wait on: once it ran, every earlier job has too (one thread, in order).
        let finished = Mutex()
        var last = false
        pool.submit { finished.withLock { last = true } }
        while !finished.withLock({ last }) { usleep(1_000) }
        XCTAssertEqual(done.withLock { ran }, 10)
        // The access log hands the pool 32 KiB chunks: a pool that kept run jobs kept those too.
        XCTAssertNil(watched, "a job that already ran still holds its captured payload")
        pool.shutdown()
    }
}
