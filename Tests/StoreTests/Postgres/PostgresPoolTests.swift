import Foundation
import Postgres
import XCTest

final class PostgresPoolTests: XCTestCase {
    func testManyThreadsShareAFewConnections() throws {
        let server = try TestPostgresServer.get()
        let pool = PostgresPool(url: try PostgresURL(server.socketURL), size: 2)
        defer { pool.close() }
        try pool.withConnection { db in
            try db.execute("DROP TABLE IF EXISTS pool_counter; CREATE TABLE pool_counter (n bigint NOT NULL)")
            try db.query("INSERT INTO pool_counter VALUES (0)")
        }
        let threads = 6, rounds = 40
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: threads) { _ in
            for _ in 0..<rounds {
                do {
                    try pool.transaction { tx in
                        try tx.query("UPDATE pool_counter SET n = n + $1", [1])
                    }
                } catch {
                    failures.add(error)
                }
                XCTAssertLessThanOrEqual(pool.openCount, 2)
            }
        }
        XCTAssertEqual(failures.all, [])
        let total = try pool.withConnection { try $0.query("SELECT n FROM pool_counter").first?.int("n") }
        XCTAssertEqual(total, Int64(threads * rounds))
        XCTAssertLessThanOrEqual(pool.openCount, 2)
    }

    func testAnIdleConnectionTheServerHungUpOnIsReplacedBeforeUse() throws {
        let server = try TestPostgresServer.get()
        let pool = PostgresPool(url: try PostgresURL(server.socketURL), size: 1)
        defer { pool.close() }
        let before = try pool.withConnection { $0.backendPID }
        try server.restart()
        // The idle connection died with the old server; checkout sees the hang-up in its socket
        // and connects afresh, so the first statement after the restart already works.
        let after = try pool.withConnection { db -> Int32 in
            XCTAssertEqual(try db.query("SELECT 1 AS one").first?.int("one"), 1)
            return db.backendPID
        }
        XCTAssertNotEqual(before, after)
        XCTAssertEqual(pool.openCount, 1)
    }

    func testABusyConnectionThatBrokeIsDroppedAndTheNextUseConnectsAfresh() throws {
        let server = try TestPostgresServer.get()
        let pool = PostgresPool(url: try PostgresURL(server.socketURL), size: 1)
        defer { pool.close() }
        let before = try pool.withConnection { $0.backendPID }
        // The server ends this backend while it is checked out: the statement fails and says why...
        XCTAssertThrowsError(try pool.withConnection { db in
            let killer = try PostgresConnection(url: try PostgresURL(server.socketURL))
            _ = try killer.query("SELECT pg_terminate_backend($1, 5000) AS ended", [.int(Int64(db.backendPID))])
            killer.close()
            _ = try db.query("SELECT 1 AS one")
        }) { error in
            XCTAssertTrue((error as? PostgresError)?.isConnectionProblem ?? false, "\(error)")
        }
        // ...and the pool made a fresh one for the next.
        let after = try pool.withConnection { db -> Int32 in
            XCTAssertEqual(try db.query("SELECT 1 AS one").first?.int("one"), 1)
            return db.backendPID
        }
        XCTAssertNotEqual(before, after)
    }

    func testDroppingIdleConnectionsSparesTheNextUserAFailure() throws {
        let server = try TestPostgresServer.get()
        let pool = PostgresPool(url: try PostgresURL(server.socketURL), size: 2)
        defer { pool.close() }
        let before = try pool.withConnection { $0.backendPID }
        XCTAssertEqual(pool.openCount, 1)
        try server.restart()
        // What the bus does once it listens again: the first query after it works at once.
        pool.dropIdle()
        XCTAssertEqual(pool.openCount, 0)
        let after = try pool.withConnection { db -> Int32 in
            XCTAssertEqual(try db.query("SELECT 1 AS one").first?.int("one"), 1)
            return db.backendPID
        }
        XCTAssertNotEqual(before, after)
        XCTAssertEqual(pool.openCount, 1)
    }

    func testClosedPoolRefusesWork() throws {
        let pool = PostgresPool(url: try PostgresURL(TestPostgresServer.get().socketURL))
        pool.close()
        XCTAssertThrowsError(try pool.check()) { error in
            XCTAssertEqual(error as? PostgresError, .closed)
        }
    }

    func testCheckNamesAnUnreachableServer() throws {
        let pool = PostgresPool(url: try PostgresURL("postgresql://ann:pw@127.0.0.1:\(TestPostgresServer.freePort())/x"))
        XCTAssertThrowsError(try pool.check()) { error in
            XCTAssertTrue("\(error)".hasPrefix("cannot connect to PostgreSQL at postgresql://ann:***@127.0.0.1:"),
                          "\(error)")
        }
        XCTAssertEqual(pool.openCount, 0)
    }
}

/// Errors collected from several threads.
final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [String] = []
    func add(_ error: Error) { lock.lock(); errors.append("\(error)"); lock.unlock() }
    var all: [String] { lock.lock(); defer { lock.unlock() }; return errors }
}
