import Foundation
import Logging
import Postgres
@testable import Store
import XCTest

/// What only the PostgreSQL store does: several instances on one database, a server that is
/// down at start or goes away while serving.
final class PostgresStoreTests: StoreWaiting {
    func testTwoInstancesShareSessionsAndCallsAndMigrateOnce() throws {
        let url = try PostgresStoreContractTests.freshDatabase()
        let first = try PostgresStore(url: url, logger: logger)
        defer { first.close() }
        let second = try PostgresStore(url: url, logger: logger)
        defer { second.close() }
        XCTAssertEqual(first.applied.map(\.version), PostgresSchema.migrations.map(\.version))
        XCTAssertEqual(second.applied.count, 0, "the second instance found the schema current")
        let session = StoredSession(key: String(repeating: "c", count: 64), user: "carol", csrfToken: "x", createdAt: 1, lastSeen: 2)
        try wait { first.sessions.save(session, then: $0) }
        XCTAssertEqual(try second.sessions.loadAll(), [session])

        // Callbacks of one call reach both instances at once: one row, every leg kept.
        let done = expectation(description: "merges")
        done.expectedFulfillmentCount = 40
        for index in 0..<20 {
            for store in [first, second] {
                let leg = CallLeg(sid: "L\(index)-\(store === first ? "a" : "b")", status: "completed")
                store.calls.merge(CallUpdate(callSid: "CA-shared", direction: .incoming, ourNumber: "+15005550006",
                                             leg: leg, at: index)) { result in
                    if case .success = result { done.fulfill() }
                }
            }
        }
        wait(for: [done], timeout: 60)
        var records: [CallRecord] = []
        try second.calls.forEachNow { records.append($0) }
        XCTAssertEqual(records.count, 1)
        XCTAssertEqual(records.first?.legs.count, 40)
    }

    func testADatabaseOfVersion13GetsTheLegsNumberAndKeepsItsCalls() throws {
        let url = try PostgresStoreContractTests.freshDatabase()
        let connection = try PostgresConnection(url: url)
        try connection.execute("CREATE TABLE shetphone_schema (version integer NOT NULL)")
        for migration in PostgresSchema.migrations where migration.version <= 13 { try connection.execute(migration.sql) }
        try connection.execute("""
            INSERT INTO shetphone_schema (version) VALUES (13);
            INSERT INTO calls (sid, direction, our_number, other_party, door, started_at, updated_at)
                VALUES ('CA-old', 'intercom', '+442079460174', '+442079460999', 'answered', 1000, 9000);
            INSERT INTO call_legs (call_id, sid, "user", status, answered_at, ended_at, duration)
                SELECT id, 'CA-old-leg', NULL, 'completed', 2000, 9000, 7 FROM calls
            """)
        connection.close()
        let store = try PostgresStore(url: url, logger: logger)
        defer { store.close() }
        XCTAssertEqual(store.applied.map(\.version), [14, 15])
        try checkTheCallOfVersion13GetsItsLegsNumber(store)
    }

    func testBothBackendsKnowTheSameMigrations() {
        XCTAssertEqual(PostgresStore.latestSchemaVersion, SQLiteStore.latestSchemaVersion,
                       "every SQLite migration needs its PostgreSQL form in Sources/Store/Postgres")
    }

    func testTwoInstancesPollingNoticesNeverGetTheSameOne() throws {
        let url = try PostgresStoreContractTests.freshDatabase()
        let first = try PostgresStore(url: url, logger: logger)
        defer { first.close() }
        let second = try PostgresStore(url: url, logger: logger)
        defer { second.close() }
        var ids: [Int] = []
        for index in 0..<60 { ids.append(try wait { first.notices.enqueue(kind: "hook", payload: "\(index)", at: 1, then: $0) }) }
        let lock = NSLock()
        var taken: [Int] = []
        let done = expectation(description: "polls")
        done.expectedFulfillmentCount = 20
        for round in 0..<20 {
            (round % 2 == 0 ? first : second).notices.due(now: 5, limit: 7) { result in
                if case let .success(notices) = result {
                    lock.lock()
                    taken += notices.map(\.id)
                    lock.unlock()
                }
                done.fulfill()
            }
        }
        wait(for: [done], timeout: 60)
        XCTAssertEqual(taken.count, Set(taken).count, "a notice was handed to two pollers")
        XCTAssertEqual(Set(taken), Set(ids))
        // Claimed notices come back only once their lease is over (an instance that died mid-send).
        XCTAssertEqual(try wait { second.notices.due(now: 5 + 299, limit: 100, then: $0) }, [])
        XCTAssertEqual(try wait { second.notices.due(now: 5 + 300, limit: 100, then: $0) }.count, 60)
    }

    func testSchemaNewerThanTheBinaryIsRefused() throws {
        let url = try PostgresStoreContractTests.freshDatabase()
        try PostgresStore(url: url, logger: logger).close()
        try PostgresConnection(url: url).execute("UPDATE shetphone_schema SET version = 999")
        XCTAssertThrowsError(try PostgresStore(url: url, logger: logger)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .schemaTooNew)
            XCTAssertTrue("\(error)".contains("999"), "\(error)")
        }
    }

    func testDatabaseDownAtStartIsRetriedWithBackoffUntilItAnswers() throws {
        let url = try PostgresStoreContractTests.freshDatabase()
        let server = try TestPostgresServer.get()
        try server.run([server.binDir + "/pg_ctl", "-D", server.folder + "/data", "-m", "fast", "-w", "stop"])
        var delays: [UInt64] = []
        let store = try PostgresStore.connectWithRetries(url: url, logger: logger, sleep: { delay in
            delays.append(delay)
            if delays.count == 3 { try? server.start() }
        })
        defer { store.close() }
        XCTAssertEqual(delays, [100, 200, 400])
        try wait { store.intercom.setGrant(.init(startedAt: 1, until: 2, by: "x"), then: $0) }
    }

    func testUnreachableServerIsAClearErrorAfterTheLastAttempt() throws {
        let url = try PostgresURL("postgresql://ann:secret@127.0.0.1:\(TestPostgresServer.freePort())/phone")
        var sleeps = 0
        XCTAssertThrowsError(try PostgresStore.connectWithRetries(url: url, logger: logger, attempts: 3, sleep: { _ in sleeps += 1 })) {
            let text = "\($0)"
            XCTAssertEqual(($0 as? StoreError)?.kind, .unavailable)
            XCTAssertTrue(text.contains("postgresql://ann:***@127.0.0.1") && !text.contains("secret"), text)
        }
        XCTAssertEqual(sleeps, 2)
    }

    func testWritesFailAsUnavailableWhileTheServerIsDownThenWorkAgain() throws {
        let url = try PostgresStoreContractTests.freshDatabase()
        let server = try TestPostgresServer.get()
        let store = try PostgresStore(url: url, logger: logger)
        defer { store.close() }
        try wait { store.calls.markSeen(user: "a", at: 1, then: $0) }
        try server.run([server.binDir + "/pg_ctl", "-D", server.folder + "/data", "-m", "fast", "-w", "stop"])
        XCTAssertThrowsError(try wait { store.calls.markSeen(user: "a", at: 2, then: $0) }) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .unavailable, "\(error)")
        }
        XCTAssertTrue(store.isFailing)
        try server.start()
        try wait { store.calls.markSeen(user: "a", at: 3, then: $0) }
        XCTAssertFalse(store.isFailing)
    }
}
