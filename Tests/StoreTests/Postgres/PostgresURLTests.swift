import Postgres
import XCTest

final class PostgresURLTests: XCTestCase {
    func testPasswordInAuthorityIsHidden() throws {
        XCTAssertEqual(try PostgresURL("postgresql://ann:p%40ss@db.example:5432/phone?sslmode=verify-full").redacted,
                       "postgresql://ann:***@db.example:5432/phone?sslmode=verify-full")
    }

    func testPasswordQueryParameterIsHidden() throws {
        XCTAssertEqual(try PostgresURL("postgresql:///phone?host=/run/postgresql&password=x&user=ann").redacted,
                       "postgresql:///phone?host=/run/postgresql&password=***&user=ann")
    }

    func testURLWithoutPasswordIsKept() throws {
        let url = try PostgresURL("postgres://ann@localhost/phone")
        XCTAssertEqual(url.redacted, url.text)
    }

    func testOtherSchemesAreRefusedByName() {
        XCTAssertThrowsError(try PostgresURL("mysql://ann@localhost/phone")) { error in
            XCTAssertEqual("\(error)", "[store] url \"mysql://ann@localhost/phone\": must start with postgresql://")
        }
        XCTAssertFalse(PostgresURL.isPostgres("/var/lib/shetphone/store.sqlite"))
        XCTAssertTrue(PostgresURL.isPostgres("postgresql://x/y"))
    }

    func testControlCharactersAreRefused() {
        XCTAssertThrowsError(try PostgresURL("postgresql://ann@localhost/phone\noptions=x"))
    }

    func testThePasswordComesOutDecodedAndTheRestStays() throws {
        let authority = try PostgresURL("postgresql://ann:s3cr%40t@db.example:5433/phone?sslmode=require").withoutPassword
        XCTAssertEqual(authority.url, "postgresql://ann@db.example:5433/phone?sslmode=require")
        XCTAssertEqual(authority.password, "s3cr@t")
        let query = try PostgresURL("postgresql:///phone?host=/run/pg&password=x%2By%&port=5432").withoutPassword
        XCTAssertEqual(query.url, "postgresql:///phone?host=/run/pg&port=5432")
        XCTAssertEqual(query.password, "x+y%", "a % without two hex digits stays")
        let none = try PostgresURL("postgresql://ann@localhost/phone").withoutPassword
        XCTAssertEqual(none.url, "postgresql://ann@localhost/phone")
        XCTAssertNil(none.password)
    }

    /// One parameter of arrays in text form: quotes and backslashes escaped, NULL unquoted.
    func testArrayParametersSurviveQuotesBackslashesAndNull() throws {
        let server = try TestPostgresServer.get()
        let db = try PostgresConnection(url: PostgresURL(server.socketURL))
        let texts: [String?] = ["plain", "with \"quotes\"", "back\\slash", "{braces},comma", nil, "", "NULL", "ünï"]
        let rows = try db.query("SELECT t FROM unnest($1::text[]) WITH ORDINALITY AS a(t, n) ORDER BY n", [.array(texts)])
        XCTAssertEqual(try rows.all.map { try $0.optionalString("t") }, texts)
        let numbers: [Int?] = [1, nil, -9_223_372_036_854_775_807]
        let ints = try db.query("SELECT i FROM unnest($1::bigint[]) WITH ORDINALITY AS a(i, n) ORDER BY n", [.array(numbers)])
        XCTAssertEqual(try ints.all.map { try $0.optionalInt("i").map(Int.init) }, numbers)
    }
}
