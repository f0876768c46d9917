import Foundation
import Postgres
import XCTest

final class PostgresListenerTests: XCTestCase {
    func testNotificationsArriveOnTheListenedChannelsOnly() throws {
        let server = try TestPostgresServer.get()
        let url = try PostgresURL(server.socketURL)
        let inbox = Inbox()
        let listener = try PostgresListener(url: url, channels: ["room_events", "other"],
                                            onNotification: { inbox.add($0) },
                                            onListening: { inbox.listening($0) })
        listener.start()
        defer { listener.stop() }
        XCTAssertTrue(inbox.wait { $0.listens == [false] }, "listener never listened")
        let sender = try PostgresConnection(url: url)
        try sender.notify(channel: "room_events", payload: "{\"n\":1}")
        try sender.notify(channel: "ignored", payload: "nobody hears this")
        try sender.notify(channel: "other", payload: "two")
        XCTAssertTrue(inbox.wait { $0.received.count == 2 }, "\(inbox.snapshot.received)")
        let received = inbox.snapshot.received
        XCTAssertEqual(received.map(\.channel), ["room_events", "other"])
        XCTAssertEqual(received.map(\.payload), ["{\"n\":1}", "two"])
        XCTAssertEqual(received.first?.senderPID, sender.backendPID)
    }

    func testNotifyInsideARolledBackTransactionIsNeverDelivered() throws {
        let server = try TestPostgresServer.get()
        let url = try PostgresURL(server.socketURL)
        let inbox = Inbox()
        let listener = try PostgresListener(url: url, channels: ["tx_events"], onNotification: { inbox.add($0) },
                                            onListening: { inbox.listening($0) })
        listener.start()
        defer { listener.stop() }
        XCTAssertTrue(inbox.wait { !$0.listens.isEmpty })
        let sender = try PostgresConnection(url: url)
        struct Abort: Error {}
        XCTAssertThrowsError(try sender.transaction { tx in
            try tx.notify(channel: "tx_events", payload: "rolled back")
            throw Abort()
        })
        try sender.transaction { tx in try tx.notify(channel: "tx_events", payload: "committed") }
        XCTAssertTrue(inbox.wait { !$0.received.isEmpty })
        // Notifications are delivered in commit order: had the first arrived, it would be first.
        XCTAssertEqual(inbox.snapshot.received.map(\.payload), ["committed"])
    }

    func testListensAgainAfterTheServerRestartsAndAsksForResync() throws {
        let server = try TestPostgresServer.get()
        let url = try PostgresURL(server.socketURL)
        let inbox = Inbox()
        let errors = Failures()
        let listener = try PostgresListener(url: url, channels: ["blip"], idleCheckMillis: 200,
                                            onNotification: { inbox.add($0) },
                                            onListening: { inbox.listening($0) },
                                            onError: { errors.add($0) })
        listener.start()
        defer { listener.stop() }
        XCTAssertTrue(inbox.wait { $0.listens == [false] })
        try server.restart()
        XCTAssertTrue(inbox.wait { $0.listens == [false, true] }, "\(inbox.snapshot.listens) \(errors.all)")
        XCTAssertFalse(errors.all.isEmpty, "the lost connection was reported")
        let sender = try PostgresConnection(url: url)
        try sender.notify(channel: "blip", payload: "after the restart")
        XCTAssertTrue(inbox.wait { $0.received.map(\.payload) == ["after the restart"] })
    }

    func testChannelNamesAreChecked() throws {
        let url = try PostgresURL("postgresql://x@localhost/y")
        XCTAssertThrowsError(try PostgresListener(url: url, channels: ["Bad-Name"], onNotification: { _ in })) {
            XCTAssertEqual($0 as? PostgresError, .badChannel("Bad-Name"))
        }
        let db = try PostgresConnection(url: PostgresURL(TestPostgresServer.get().socketURL))
        XCTAssertThrowsError(try db.notify(channel: "x; DROP", payload: "")) {
            XCTAssertEqual($0 as? PostgresError, .badChannel("x; DROP"))
        }
    }
}

/// What a listener delivered, shared between its thread and the test.
final class Inbox: @unchecked Sendable {
    struct Snapshot {
        var received: [PostgresNotification] = []
        var listens: [Bool] = []
    }

    private let condition = NSCondition()
    private var state = Snapshot()

    func add(_ notification: PostgresNotification) { update { $0.received.append(notification) } }
    func listening(_ resync: Bool) { update { $0.listens.append(resync) } }

    var snapshot: Snapshot { condition.lock(); defer { condition.unlock() }; return state }

    private func update(_ change: (inout Snapshot) -> Void) {
        condition.lock()
        change(&state)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits until `done` holds (false after 30 s: a hang guard, not a speed check).
    func wait(_ done: (Snapshot) -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(30)
        condition.lock()
        defer { condition.unlock() }
        while !done(state) {
            if !condition.wait(until: deadline) { return done(state) }
        }
        return true
    }
}
