import Foundation
import Logging
import Postgres
@testable import Store
import XCTest

/// The PostgreSQL writer's batches: jobs without savepoints while none fails, the batch's
/// notifications in one statement before COMMIT, and a failing job rolled back with its own.
final class PostgresStoreWriterTests: StoreWaiting {
    func testAFailingJobLosesItsNotificationAndTheRestOfTheBatchCommits() throws {
        let url = try PostgresStoreContractTests.freshDatabase()
        let inbox = Inbox()
        let listener = try PostgresListener(url: url, channels: ["writer_test"], onNotification: { inbox.add($0) },
                                            onListening: { inbox.listening($0) })
        listener.start()
        defer { listener.stop() }
        XCTAssertTrue(inbox.wait { !$0.listens.isEmpty }, "listener never listened")
        let pool = PostgresPool(url: url, size: 2)
        defer { pool.close() }
        try pool.withConnection { try $0.execute("CREATE TABLE marks (name text PRIMARY KEY)") }
        let writer = PostgresStoreWriter(pool: pool, faults: FaultLog(logger: logger))
        defer { writer.close() }

        // The first job holds the writer, so the next three are taken as one batch.
        let gate = DispatchSemaphore(value: 0)
        writer.write({ _ in gate.wait() }, then: { (_: Result<Void, StoreError>) in })
        var outcomes: [String: Result<Void, StoreError>] = [:]
        let lock = NSLock()
        let done = expectation(description: "batch")
        done.expectedFulfillmentCount = 3
        for name in ["a", "b", "c"] {
            writer.write({ db in
                try db.query("INSERT INTO marks (name) VALUES ($1)", [.text(name)])
                try db.notify(channel: "writer_test", payload: name)
                if name == "b" { try db.query("INSERT INTO marks (name) VALUES ('a')") }  // duplicate key
            }, then: { result in
                lock.lock()
                outcomes[name] = result
                lock.unlock()
                done.fulfill()
            })
        }
        // Twice: should the gate job share the batch, a rerun of the batch passes it again.
        gate.signal()
        gate.signal()
        wait(for: [done], timeout: 30)
        XCTAssertNoThrow(try outcomes["a"]?.get())
        XCTAssertNoThrow(try outcomes["c"]?.get())
        XCTAssertThrowsError(try outcomes["b"]?.get()) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .constraint)
        }
        let names = try pool.withConnection { try $0.query("SELECT name FROM marks ORDER BY name").all.map { try $0.string("name") } }
        XCTAssertEqual(names, ["a", "c"])
        XCTAssertTrue(inbox.wait { $0.received.count >= 2 }, "\(inbox.snapshot.received)")
        // A marker after the batch: once it arrives, nothing of the batch can still be on its way.
        try pool.withConnection { try $0.notify(channel: "writer_test", payload: "end") }
        XCTAssertTrue(inbox.wait { $0.received.last?.payload == "end" })
        XCTAssertEqual(inbox.snapshot.received.map(\.payload), ["a", "c", "end"])
    }

    func testASessionUsedOnOneInstanceSlidesOnTheOthers() throws {
        let url = try PostgresStoreContractTests.freshDatabase()
        let first = try PostgresStore(url: url, logger: logger)
        defer { first.close() }
        let second = try PostgresStore(url: url, logger: logger)
        defer { second.close() }
        // Each touch heard is kept as a notification of (key, time), to wait on with `Inbox`.
        let touches = Inbox()
        let listening = expectation(description: "listening")
        listening.assertForOverFulfill = false
        second.bus?.start(onMessage: { _ in }, onSession: { _, _ in },
                          onTouch: { touches.add(PostgresNotification(channel: $0, payload: "\($1)", senderPID: 0)) },
                          onResync: { listening.fulfill() })
        wait(for: [listening], timeout: 30)
        let session = StoredSession(key: String(repeating: "d", count: 64), user: "dora", csrfToken: "x", createdAt: 1, lastSeen: 2)
        try wait { first.sessions.save(session, then: $0) }
        try wait { first.sessions.touch([(key: session.key, at: 7_000)], then: $0) }
        XCTAssertTrue(touches.wait { $0.received.contains { $0.channel == session.key && $0.payload == "7000" } },
                      "\(touches.snapshot.received)")
        XCTAssertEqual(try second.sessions.loadAll().first?.lastSeen, 7_000)
    }
}
