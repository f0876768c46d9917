import Glibc
import XCTest
@testable import Web

final class MetricsHistogramTests: XCTestCase {
    func testObservationOnABoundCountsInThatBucket() {
        let histogram = Histogram(upperBounds: [10, 20])
        histogram.observe(10)
        histogram.observe(11)
        XCTAssertEqual(histogram.snapshot.cumulativeCounts, [1, 2, 2])
        XCTAssertEqual(histogram.snapshot.sum, 21)
    }

    func testObservationAboveTheLastBoundIsOnlyInInf() {
        let histogram = Histogram(upperBounds: [10, 20])
        histogram.observe(1_000)
        XCTAssertEqual(histogram.snapshot.cumulativeCounts, [0, 0, 1])
        XCTAssertEqual(histogram.snapshot.count, 1)
    }

    func testNegativeObservationFromAClockStepCountsAsZero() {
        let histogram = Histogram(upperBounds: [10])
        histogram.observe(-5)
        XCTAssertEqual(histogram.snapshot.cumulativeCounts, [1, 1])
        XCTAssertEqual(histogram.snapshot.sum, 0)
    }

    func testObservationsFromManyThreadsAreAllCounted() {
        let histogram = Histogram(upperBounds: Histogram.latencyMicros, unitsPerExported: 1_000_000)
        let threads = 4
        let perThread = 50_000
        DispatchQueueless.concurrentPerform(threads) { thread in
            for i in 0..<perThread { histogram.observe((i * 37 + thread) % 3_000_000) }
        }
        let snapshot = histogram.snapshot
        XCTAssertEqual(snapshot.count, threads * perThread)
        let expectedSum = (0..<threads).reduce(0) { sum, thread in
            sum + (0..<perThread).reduce(0) { $0 + ($1 * 37 + thread) % 3_000_000 }
        }
        XCTAssertEqual(snapshot.sum, expectedSum)
        XCTAssertEqual(snapshot.cumulativeCounts, snapshot.cumulativeCounts.sorted(), "buckets must be cumulative")
    }
}

/// Runs `body(i)` for i in 0..<count on that many pthreads at once and waits for all of them
/// (the Web target has no Dispatch; these tests check the lock-free paths under real threads).
enum DispatchQueueless {
    final class Job {
        let body: (Int) -> Void
        let index: Int
        init(_ body: @escaping (Int) -> Void, _ index: Int) { self.body = body; self.index = index }
    }

    static func concurrentPerform(_ count: Int, _ body: @escaping (Int) -> Void) {
        var threads: [pthread_t] = []
        for index in 0..<count {
            var thread = pthread_t()
            let job = Unmanaged.passRetained(Job(body, index)).toOpaque()
            let created = pthread_create(&thread, nil, { raw in
                guard let raw else { return nil }
                let job = Unmanaged<Job>.fromOpaque(raw).takeRetainedValue()
                job.body(job.index)
                return nil
            }, job)
            precondition(created == 0, "pthread_create failed: \(created)")
            threads.append(thread)
        }
        for thread in threads { pthread_join(thread, nil) }
    }
}
