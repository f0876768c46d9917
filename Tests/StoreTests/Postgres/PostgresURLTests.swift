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
}
