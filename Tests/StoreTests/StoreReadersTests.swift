import Dispatch
import Glibc
@testable import Store
import XCTest

/// The SQLite readers start their threads on demand: none before the first read, one for reads
/// that come one at a time, another only while every started one is busy, never more than the
/// connections.
final class StoreReadersTests: XCTestCase {
    private var folder = ""

    override func setUpWithError() throws {
        var template = Array("/tmp/store-readers-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
        let setup = try SQLiteConnection(path: folder + "/readers.db")
        try setup.execute("CREATE TABLE numbers (n INTEGER); INSERT INTO numbers VALUES (7)")
    }

    override func tearDown() {
        for name in ["readers.db", "readers.db-wal", "readers.db-shm"] { unlink(folder + "/" + name) }
        rmdir(folder)
    }

    /// Waits (without a time limit on the outcome) until `condition` holds.
    private func until(_ condition: () -> Bool) {
        while !condition() { usleep(1_000) }
    }

    func testNoThreadStartsBeforeTheFirstRead() throws {
        let readers = try StoreReaders(path: folder + "/readers.db", count: 2)
        defer { readers.close() }
        XCTAssertEqual(readers.startedThreads, 0)
    }

    func testReadsOneAtATimeUseOneThread() throws {
        let readers = try StoreReaders(path: folder + "/readers.db", count: 2)
        defer { readers.close() }
        for _ in 0..<20 {
            let done = Rendezvous<Result<Int, StoreError>>()
            XCTAssertTrue(readers.read({ try $0.integer("SELECT n FROM numbers") }, then: { done.fulfil($0) }))
            XCTAssertEqual(try done.wait().get(), 7)
            until { readers.idleThreads == 1 }
        }
        XCTAssertEqual(readers.startedThreads, 1)
    }

    func testAReadWhileEveryReaderIsBusyStartsAnotherUpToTheConnections() throws {
        let readers = try StoreReaders(path: folder + "/readers.db", count: 2)
        defer { readers.close() }
        let gate = DispatchSemaphore(value: 0)
        let running = DispatchSemaphore(value: 0)
        let finished = DispatchSemaphore(value: 0)
        let results = Mutexed<[Int]>([])
        func blockedRead() -> Bool {
            readers.read({ connection -> Int in
                running.signal()
                gate.wait()
                return try connection.integer("SELECT n FROM numbers")
            }, then: { result in
                if case .success(let n) = result { results.update { $0.append(n) } }
                finished.signal()
            })
        }
        XCTAssertTrue(blockedRead())
        running.wait()
        XCTAssertEqual(readers.startedThreads, 1)
        XCTAssertTrue(blockedRead())
        running.wait()
        XCTAssertEqual(readers.startedThreads, 2, "the first reader was busy")
        XCTAssertTrue(blockedRead())
        XCTAssertEqual(readers.startedThreads, 2, "no more threads than connections")
        for _ in 0..<3 { gate.signal() }
        for _ in 0..<3 { finished.wait() }
        XCTAssertEqual(results.value, [7, 7, 7])
    }
}

/// A value shared between the test and reader threads.
private final class Mutexed<Value>: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var stored: Value
    init(_ value: Value) { stored = value; pthread_mutex_init(&mutex, nil) }
    var value: Value { pthread_mutex_lock(&mutex); defer { pthread_mutex_unlock(&mutex) }; return stored }
    func update(_ change: (inout Value) -> Void) { pthread_mutex_lock(&mutex); change(&stored); pthread_mutex_unlock(&mutex) }
}
