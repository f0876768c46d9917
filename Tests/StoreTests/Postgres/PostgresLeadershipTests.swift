import Foundation
import Postgres
import Store
import XCTest

/// `PhoneStore.leadership(of:)` on PostgreSQL: an advisory lock held by a session of its own
/// elects exactly one instance, and another takes over when the holder stops or dies.
final class PostgresLeadershipTests: StoreWaiting {
    /// Waits (without asserting how long it takes) until `condition` holds; false after a minute.
    private func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<600 {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return condition()
    }

    func testExactlyOneInstanceLeadsAndAnotherTakesOverWhenItStopsOrDies() throws {
        let url = try PostgresStoreContractTests.freshDatabase()
        let stores = try (0..<3).map { _ in try PostgresStore(url: url, logger: logger) }
        defer { for store in stores { store.close() } }
        let leads = stores.map { $0.leadership(of: .intercom) }
        defer { for lead in leads { lead.stop() } }
        XCTAssertTrue(eventually { leads.contains { $0.isLeader } })
        // Let every instance try the lock a few more times: still one.
        Thread.sleep(forTimeInterval: 2.5)
        XCTAssertEqual(leads.filter(\.isLeader).count, 1)

        // The leader stops (shutdown): one of the others takes over.
        let first = try XCTUnwrap(leads.firstIndex { $0.isLeader })
        leads[first].stop()
        XCTAssertTrue(eventually { leads.filter(\.isLeader).count == 1 && !leads[first].isLeader })
        let second = try XCTUnwrap(leads.firstIndex { $0.isLeader })
        XCTAssertNotEqual(second, first)

        // The leader's session dies (its backend is killed): it notices, and one instance leads again.
        let admin = try PostgresConnection(url: url)
        defer { admin.close() }
        let holder = try admin.query("""
            SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1::bigint
            """, [.int(StoreRole.intercom.rawValue & 0xFFFF_FFFF)]).first?.int("pid")
        let pid = try XCTUnwrap(holder, "the advisory lock is held by a backend")
        _ = try admin.query("SELECT pg_terminate_backend($1::integer)", [.int(pid)])
        XCTAssertTrue(eventually {
            guard let now = try? admin.query("""
                SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objid = $1::bigint
                """, [.int(StoreRole.intercom.rawValue & 0xFFFF_FFFF)]).first?.int("pid") else { return false }
            return now != pid && leads.filter(\.isLeader).count == 1
        })
        Thread.sleep(forTimeInterval: 2.5)
        XCTAssertEqual(leads.filter(\.isLeader).count, 1, "never two leaders")
    }
}
