import CSQLite
import Glibc
import Logging
@testable import Store
import XCTest

/// What only the SQLite store does, against real files in a temporary folder. The behaviour
/// both backends share is in `StoreContractTests` (run on SQLite by `SQLiteStoreContractTests`).
final class SQLiteStoreTests: StoreWaiting {
    var folder = ""

    override func setUp() {
        var template = Array("/tmp/shetphone-store-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    override func tearDown() {
        _ = system("rm -rf '\(folder)'")
    }

    var path: String { folder + "/shetphone.db" }

    func testNewDatabaseGetsEveryMigrationAndWAL() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        XCTAssertEqual(store.applied.map(\.version), SQLiteSchema.migrations.map(\.version))
        store.close()
        let again = try SQLiteStore(path: path, logger: logger)
        XCTAssertEqual(again.applied.count, 0, "a current database is not migrated again")
        again.close()
        let connection = try SQLiteConnection(path: path)
        XCTAssertEqual(try connection.statement("PRAGMA journal_mode").first { $0.text(0) }, "wal")
    }

    func testDatabaseFromANewerShetphoneIsRefused() throws {
        try SQLiteStore(path: path, logger: logger).close()
        try SQLiteConnection(path: path).execute("PRAGMA user_version = 999")
        XCTAssertThrowsError(try SQLiteStore(path: path, logger: logger)) { error in
            let storeError = error as? StoreError
            XCTAssertEqual(storeError?.kind, .schemaTooNew)
            XCTAssertTrue("\(error)".contains(path) && "\(error)".contains("999"), "\(error)")
        }
    }

    func testFileThatIsNotADatabaseIsRefusedNamingIt() throws {
        let fd = open(path, O_WRONLY | O_CREAT, 0o600)
        let junk = Array(repeating: UInt8(ascii: "x"), count: 8192)
        _ = junk.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        XCTAssertThrowsError(try SQLiteStore(path: path, logger: logger)) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .corrupt)
            XCTAssertTrue("\(error)".hasPrefix(path + ":"), "\(error)")
        }
    }

    func testOtherProgramsDatabaseIsRefused() throws {
        let connection = try SQLiteConnection(path: path)
        try connection.execute("CREATE TABLE notes (x); PRAGMA user_version = 3")
        XCTAssertThrowsError(try SQLiteStore(path: path, logger: logger)) { error in
            XCTAssertTrue("\(error)".contains("not a Shetphone database"), "\(error)")
        }
    }

    /// Two processes opening a new file at once: the second read the version before the first
    /// migrated. It must skip what was applied meanwhile, not fail on "table already exists".
    func testMigrationsAppliedMeanwhileByAnotherConnectionAreSkipped() throws {
        let late = try SQLiteConnection(path: path)
        defer { late.close() }
        let staleVersion = try SchemaMigrator().checkedVersion(late, latest: SQLiteSchema.migrations.count)
        XCTAssertEqual(staleVersion, 0)
        let first = try SQLiteConnection(path: path)
        try SchemaMigrator(migrations: SQLiteSchema.migrations.filter { $0.version <= 13 }).migrate(first)
        first.close()
        let applied = try SchemaMigrator().apply(late, after: staleVersion)
        XCTAssertEqual(applied.map(\.version), [14, 15], "only the migrations the other connection had not applied")
        XCTAssertEqual(try late.integer("PRAGMA user_version"), SQLiteSchema.migrations.last?.version)
    }

    func testADatabaseOfVersion13GetsTheLegsNumberAndKeepsItsCalls() throws {
        let connection = try SQLiteConnection(path: path)
        try SchemaMigrator(migrations: SQLiteSchema.migrations.filter { $0.version <= 13 }).migrate(connection)
        try connection.execute("""
            INSERT INTO calls (id, sid, direction, our_number, other_party, door, started_at, updated_at)
                VALUES (1, 'CA-old', 'intercom', '+442079460174', '+442079460999', 'answered', 1000, 9000);
            INSERT INTO call_legs (call_id, sid, user, status, answered_at, ended_at, duration)
                VALUES (1, 'CA-old-leg', NULL, 'completed', 2000, 9000, 7)
            """)
        connection.close()
        let store = try SQLiteStore(path: path, logger: logger)
        defer { store.close() }
        XCTAssertEqual(store.applied.map(\.version), [14, 15])
        try checkTheCallOfVersion13GetsItsLegsNumber(store)
    }

    func testOpenCallsReadTheIndexOfCallsNotEnded() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        store.close()
        let connection = try SQLiteConnection(path: path)
        defer { connection.close() }
        var plan: [String] = []
        try connection.statement("EXPLAIN QUERY PLAN " + CallTable.openCallsSQL(CallTable.columns, placeholder: { "?\($0)" }, limit: 50))
            .forEach([.int(1), .int(2)]) { plan.append($0.text(3)) }
        XCTAssertTrue(plan.contains { $0.contains("calls_open") }, "\(plan)")
        XCTAssertFalse(plan.contains { $0.hasPrefix("SCAN calls") && !$0.contains("INDEX") }, "\(plan)")
    }

    func testAFailingJobRollsBackAloneInItsBatch() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        defer { store.close() }
        let writer = Mirror(reflecting: store).descendant("writer") as! StoreWriter
        let done = expectation(description: "both")
        done.expectedFulfillmentCount = 3
        var outcomes: [String: Bool] = [:]
        writer.write({ db in try db.execute("INSERT INTO call_seen (user, seen_at) VALUES ('a', 1)") }) { outcomes["first"] = (try? $0.get()) != nil; done.fulfill() }
        writer.write({ db in
            try db.execute("INSERT INTO call_seen (user, seen_at) VALUES ('b', 1)")
            try db.execute("INSERT INTO call_seen (user, seen_at) VALUES ('a', 2)")  // unique violation
        }) { outcomes["second"] = (try? $0.get()) != nil; done.fulfill() }
        writer.write({ db in try db.execute("INSERT INTO call_seen (user, seen_at) VALUES ('c', 1)") }) { outcomes["third"] = (try? $0.get()) != nil; done.fulfill() }
        wait(for: [done], timeout: 10)
        XCTAssertEqual(outcomes, ["first": true, "second": false, "third": true])
        let users = try writer.writeAndWait { db in try db.statement("SELECT user FROM call_seen ORDER BY user").rows { $0.text(0) } }
        XCTAssertEqual(users, ["a", "c"], "the failed job's first insert was rolled back with it")
    }

    func testBackupIsAConsistentCopy() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        defer { store.close() }
        for index in 0..<100 { store.calls.merge(CallUpdate(callSid: "CA\(index)", at: index)) { _ in } }
        try store.backup(to: folder + "/copy.db")
        XCTAssertThrowsError(try store.backup(to: folder + "/copy.db"), "an existing file is not overwritten")
        let copy = try SQLiteStore(path: folder + "/copy.db", logger: logger)
        defer { copy.close() }
        XCTAssertEqual(try copy.integrityCheck(), "ok")
        var sids: [String] = []
        try copy.calls.forEachNow { sids.append($0.sid) }
        XCTAssertEqual(sids.count, 100)
    }

    func testClosingLeavesOneSelfContainedFile() throws {
        let store = try SQLiteStore(path: path, logger: logger)
        for index in 0..<20 {
            _ = try wait { store.calls.merge(CallUpdate(callSid: "CA\(index)", direction: .incoming, ourNumber: "+1", at: index), then: $0) }
        }
        let page = try wait { store.calls.page(CallQuery(user: "a", numbers: ["+1"]), then: $0) }
        XCTAssertEqual(page.calls.count, 20, "a reader ran, so its connection is open too")
        XCTAssertEqual(access(path + "-wal", F_OK), 0, "WAL mode keeps a -wal file while the store is open")
        store.close()
        XCTAssertNotEqual(access(path + "-wal", F_OK), 0, "the last connection to close checkpoints and removes the WAL")
        XCTAssertNotEqual(access(path + "-shm", F_OK), 0)
        store.close()

        // The file alone (as a naive copy would take it) holds every committed call.
        XCTAssertEqual(system("cp '\(path)' '\(folder)/alone.db'"), 0)
        let copy = try SQLiteStore(path: folder + "/alone.db", logger: logger)
        defer { copy.close() }
        var sids: [String] = []
        try copy.calls.forEachNow { sids.append($0.sid) }
        XCTAssertEqual(sids.count, 20)
    }

    func testInMemoryStoreWorksWithoutReaders() throws {
        let store = try SQLiteStore(path: ":memory:", logger: logger)
        defer { store.close() }
        _ = try wait { store.calls.merge(CallUpdate(callSid: "CA1", direction: .incoming, ourNumber: "+1", at: 1), then: $0) }
        let page = try wait { store.calls.page(CallQuery(user: "a", numbers: ["+1"]), then: $0) }
        XCTAssertEqual(page.calls.count, 1)
    }

    func testCursorTextRoundTripsAndRejectsJunk() {
        XCTAssertEqual(CallCursor(text: CallCursor(startedAt: 17, id: 4).text), CallCursor(startedAt: 17, id: 4))
        for junk in ["", "1", "a.b", "1.2.3", "-1.2", "99999999999999999999.1"] { XCTAssertNil(CallCursor(text: junk), junk) }
    }
}
