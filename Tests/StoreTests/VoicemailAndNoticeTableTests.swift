import Glibc
import Logging
@testable import Store
import XCTest

/// Voicemails and the notice queue in a real SQLite file, across a reopen.
final class VoicemailAndNoticeTableTests: XCTestCase {
    var folder = ""
    let logger = Logger(label: "test")

    override func setUp() {
        var template = Array("/tmp/shetphone-vm-XXXXXX".utf8CString)
        folder = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
    }

    override func tearDown() { _ = system("rm -rf '\(folder)'") }

    func wait<T>(_ start: (@escaping StoreCompletion<T>) -> Void) throws -> T {
        let done = expectation(description: "store")
        var result: Result<T, StoreError>?
        start { result = $0; done.fulfill() }
        wait(for: [done], timeout: 10)
        return try XCTUnwrap(result).get()
    }

    func message(_ sid: String, number: String = "+442079460174", at: Int) -> Voicemail {
        Voicemail(recordingSID: sid, callSID: "CA" + sid, number: number, from: "+15005550006", durationSeconds: 7, receivedAt: at)
    }

    func testVoicemailsListUnheardFirstAndSurviveARestart() throws {
        let path = folder + "/s.db"
        var store: SQLiteStore? = try SQLiteStore(path: path, logger: logger)
        let voicemail = try XCTUnwrap(store).voicemail
        XCTAssertTrue(try wait { voicemail.save(message("RE1", at: 100), then: $0) })
        XCTAssertFalse(try wait { voicemail.save(message("RE1", at: 100), then: $0) }, "a retried callback keeps one row")
        XCTAssertTrue(try wait { voicemail.save(message("RE2", at: 200), then: $0) })
        XCTAssertTrue(try wait { voicemail.save(message("RE3", number: "+15005550006", at: 300), then: $0) })
        XCTAssertTrue(try wait { voicemail.markHeard(recordingSID: "RE2", at: 250, then: $0) })
        let withText = try wait { voicemail.setTranscript(recordingSID: "RE1", transcript: "call me", then: $0) }
        XCTAssertEqual(withText?.transcript, "call me")
        store?.close()
        store = try SQLiteStore(path: path, logger: logger)
        let reopened = try XCTUnwrap(store).voicemail
        let list = try wait { reopened.list(numbers: ["+442079460174"], limit: 10, then: $0) }
        XCTAssertEqual(list.map(\.recordingSID), ["RE1", "RE2"], "unheard first, then heard; other numbers left out")
        XCTAssertEqual(list[1].heardAt, 250)
        XCTAssertTrue(try wait { reopened.delete(recordingSID: "RE1", then: $0) })
        XCTAssertNil(try wait { reopened.find(recordingSID: "RE1", then: $0) })
        store?.close()
    }

    func testNoticesAreDueInOrderRetriedAndDeliveredAcrossARestart() throws {
        let path = folder + "/n.db"
        var store: SQLiteStore? = try SQLiteStore(path: path, logger: logger)
        let notices = try XCTUnwrap(store).notices
        let first = try wait { notices.enqueue(kind: "hook", payload: "{\"a\":1}", at: 10, then: $0) }
        let second = try wait { notices.enqueue(kind: "email", payload: "{\"b\":2}", at: 20, then: $0) }
        XCTAssertEqual(try wait { notices.due(now: 15, limit: 10, then: $0) }.map(\.id), [first])
        try wait { notices.failed(id: first, attempts: 1, nextAt: 100, error: "timed out", then: $0) }
        store?.close()
        store = try SQLiteStore(path: path, logger: logger)
        let again = try XCTUnwrap(store).notices
        XCTAssertEqual(try wait { again.due(now: 50, limit: 10, then: $0) }.map(\.id), [second])
        let later = try wait { again.due(now: 100, limit: 10, then: $0) }
        XCTAssertEqual(later.map(\.id), [second, first])
        XCTAssertEqual(later.last?.attempts, 1)
        try wait { again.delivered(id: second, then: $0) }
        try wait { again.failed(id: first, attempts: 2, nextAt: nil, error: "gave up", then: $0) }
        XCTAssertEqual(try wait { again.due(now: 10_000, limit: 10, then: $0) }, [], "delivered and given-up notices are not due")
        store?.close()
    }
}
