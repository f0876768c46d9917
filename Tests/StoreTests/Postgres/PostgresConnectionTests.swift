import Postgres
import XCTest

final class PostgresConnectionTests: XCTestCase {
    private func connect() throws -> PostgresConnection {
        try PostgresConnection(url: PostgresURL(TestPostgresServer.get().socketURL))
    }

    func testUnixSocketConnectionRunsAQueryWithTypedColumns() throws {
        let db = try connect()
        XCTAssertFalse(db.usesTLS)
        let rows = try db.query(
            "SELECT $1::bigint AS n, $2::text AS t, $3::boolean AS b, $4::double precision AS d, NULL::text AS missing",
            [.int(Int64.max), "héllo 🌍", true, .double(2.5)])
        XCTAssertEqual(rows.count, 1)
        let row = try XCTUnwrap(rows.first)
        XCTAssertEqual(try row.int("n"), Int64.max)
        XCTAssertEqual(try row.string("t"), "héllo 🌍")
        XCTAssertEqual(try row.bool("b"), true)
        XCTAssertEqual(try row.double("d"), 2.5)
        XCTAssertNil(try row.optionalString("missing"))
        XCTAssertTrue(try row.isNull("missing"))
    }

    func testAQueryPlannedForItsValuesIsNeverCachedAndUsesTheIndexItsPatternAllows() throws {
        let db = try connect()
        try db.execute("""
            CREATE EXTENSION IF NOT EXISTS pg_trgm;
            CREATE TEMP TABLE notes (id bigint PRIMARY KEY, body text NOT NULL);
            INSERT INTO notes SELECT n, 'note ' || n FROM generate_series(1, 20000) AS n;
            CREATE INDEX ON notes USING gin (body gin_trgm_ops);
            ANALYZE notes
            """)
        func cached() throws -> Int64 { try db.query("SELECT count(*) AS n FROM pg_prepared_statements").first?.int("n") ?? -1 }
        let before = try cached()
        // More runs than PostgreSQL's five custom plans before it may settle on a generic one.
        for _ in 0..<8 {
            let plan = try db.queryPlannedForItsValues("EXPLAIN SELECT id FROM notes WHERE body LIKE $1 ORDER BY id DESC LIMIT 20",
                                                       [.text("%zebra%")]).all.map { try $0.string("QUERY PLAN") }.joined(separator: "\n")
            XCTAssertTrue(plan.contains("Bitmap Index Scan"), plan)
        }
        XCTAssertEqual(try db.queryPlannedForItsValues("SELECT body FROM notes WHERE id = $1", [.int(7)]).first?.string("body"), "note 7")
        XCTAssertEqual(try cached(), before, "nothing was prepared by name")
    }

    func testParametersAreNeverSplicedIntoSQL() throws {
        let db = try connect()
        try db.execute("CREATE TEMP TABLE notes (body text)")
        let hostile = "'); DROP TABLE notes; --"
        try db.query("INSERT INTO notes (body) VALUES ($1)", [.text(hostile)])
        let rows = try db.query("SELECT body FROM notes")
        XCTAssertEqual(try rows.first?.string("body"), hostile)
    }

    func testBinaryParameterRoundTripsEveryByte() throws {
        let db = try connect()
        let bytes = (0...255).map(UInt8.init) + [0, 0, 255]
        let row = try XCTUnwrap(db.query("SELECT $1::bytea AS blob, length($1::bytea) AS size", [.bytes(bytes)]).first)
        XCTAssertEqual(try row.bytes("blob"), bytes)
        XCTAssertEqual(try row.int("size"), Int64(bytes.count))
    }

    func testSameStatementWithOtherParametersReusesThePreparedPlan() throws {
        let db = try connect()
        for i in 0..<5 {
            XCTAssertEqual(try db.query("SELECT $1::int + 1 AS next", [.int(Int64(i))]).first?.int("next"), Int64(i + 1))
        }
        let prepared = try db.query("SELECT count(*) AS n FROM pg_prepared_statements WHERE statement LIKE $1",
                                    ["SELECT $1::int + 1%"])
        XCTAssertEqual(try prepared.first?.int("n"), 1)
    }

    func testRefusedStatementNamesSQLStateAndStatement() throws {
        let db = try connect()
        try db.execute("CREATE TEMP TABLE people (name text PRIMARY KEY)")
        try db.query("INSERT INTO people VALUES ($1)", ["ann"])
        XCTAssertThrowsError(try db.query("INSERT INTO people VALUES ($1)", ["ann"])) { error in
            guard case let .statement(sql, state, message) = error as? PostgresError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(state, "23505")
            XCTAssertTrue(sql.contains("INSERT INTO people"))
            XCTAssertTrue(message.contains("duplicate key"), message)
            XCTAssertFalse((error as? PostgresError)?.isConnectionProblem ?? true)
        }
        XCTAssertThrowsError(try db.execute("SELEKT 1")) { error in
            guard case let .statement(_, state, _) = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(state, "42601")
        }
        // The connection is still usable after refused statements.
        XCTAssertEqual(try db.query("SELECT 7 AS seven").first?.int("seven"), 7)
    }

    func testReadingAColumnAsTheWrongTypeNamesIt() throws {
        let db = try connect()
        let row = try XCTUnwrap(db.query("SELECT 'x'::text AS word, NULL::bigint AS nothing").first)
        XCTAssertThrowsError(try row.int("word")) { error in
            XCTAssertEqual(error as? PostgresError, .badColumn(name: "word", expected: "an integer", found: "text"))
        }
        XCTAssertThrowsError(try row.int("nothing")) { error in
            XCTAssertEqual(error as? PostgresError, .badColumn(name: "nothing", expected: "an integer", found: "NULL"))
        }
        XCTAssertThrowsError(try row.string("absent")) { error in
            XCTAssertEqual(error as? PostgresError, .noColumn("absent"))
        }
    }

    func testTransactionRollsBackWhenTheBodyThrows() throws {
        let db = try connect()
        try db.execute("CREATE TEMP TABLE counts (n int)")
        struct Abort: Error {}
        XCTAssertThrowsError(try db.transaction { tx in
            try tx.query("INSERT INTO counts VALUES ($1)", [1])
            throw Abort()
        })
        XCTAssertTrue(db.isIdle)
        try db.transaction { tx in try tx.query("INSERT INTO counts VALUES ($1)", [2]) }
        let rows = try db.query("SELECT n FROM counts")
        XCTAssertEqual(try rows.all.map { try $0.int("n") }, [2])
    }

    func testTLSOverTCPWhenTheURLRequiresIt() throws {
        let server = try TestPostgresServer.get()
        let db = try PostgresConnection(url: PostgresURL(server.tcpURL + "?sslmode=require"))
        XCTAssertTrue(db.usesTLS)
        XCTAssertEqual(try db.query("SELECT ssl AS on FROM pg_stat_ssl WHERE pid = pg_backend_pid()").first?.bool("on"),
                       true)
        let plain = try PostgresConnection(url: PostgresURL(server.tcpURL + "?sslmode=disable"))
        XCTAssertFalse(plain.usesTLS)
    }

    func testNoServerIsAConnectErrorWithThePasswordHidden() throws {
        let port = TestPostgresServer.freePort()
        let url = try PostgresURL("postgresql://ann:s3cret@127.0.0.1:\(port)/db")
        XCTAssertThrowsError(try PostgresConnection(url: url)) { error in
            guard case let .connect(server, message) = error as? PostgresError else { return XCTFail("\(error)") }
            XCTAssertEqual(server, "postgresql://ann:***@127.0.0.1:\(port)/db")
            XCTAssertTrue(message.contains("refused") || message.contains("connect"), message)
            XCTAssertFalse("\(error)".contains("s3cret"))
            XCTAssertTrue((error as? PostgresError)?.isConnectionProblem ?? false)
        }
    }

    func testUnknownDatabaseIsAConnectErrorSayingSo() throws {
        let server = try TestPostgresServer.get()
        let url = try PostgresURL("postgresql://shetphone@/nosuchdb?host=\(server.folder)&port=\(server.port)")
        XCTAssertThrowsError(try PostgresConnection(url: url)) { error in
            XCTAssertTrue("\(error)".contains("nosuchdb"), "\(error)")
        }
    }
}
