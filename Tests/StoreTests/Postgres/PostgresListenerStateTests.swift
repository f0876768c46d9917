import Postgres
import XCTest

final class PostgresListenerStateTests: XCTestCase {
    func testBackoffDoublesFrom100MillisecondsUpTo5Seconds() {
        var backoff = PostgresBackoff()
        let delays = (0..<9).map { _ in backoff.nextDelayMillis() }
        XCTAssertEqual(delays, [100, 200, 400, 800, 1600, 3200, 5000, 5000, 5000])
        backoff.reset()
        XCTAssertEqual(backoff.nextDelayMillis(), 100)
    }

    func testFirstConnectionListensWithoutResync() {
        var state = PostgresListenerState.initial
        XCTAssertEqual(state.connected(), .listening(resync: false))
        XCTAssertEqual(state, .listening)
    }

    func testLostConnectionWaitsThenReconnectsAndAsksForResync() {
        var state = PostgresListenerState.initial
        _ = state.connected()
        XCTAssertEqual(state.failed(nowMillis: 1_000), .wait(millis: 100))
        XCTAssertEqual(state.timerFired(nowMillis: 1_050), .wait(millis: 50))
        XCTAssertEqual(state.timerFired(nowMillis: 1_100), .connect)
        // The database is still down: the delay doubles.
        XCTAssertEqual(state.failed(nowMillis: 1_110), .wait(millis: 200))
        XCTAssertEqual(state.timerFired(nowMillis: 1_310), .connect)
        XCTAssertEqual(state.connected(), .listening(resync: true))
        // After a success the next outage starts at the short delay again.
        XCTAssertEqual(state.failed(nowMillis: 5_000), .wait(millis: 100))
    }

    func testDatabaseDownAtStartRetriesWithoutResyncOnFirstSuccess() {
        var state = PostgresListenerState.initial
        XCTAssertEqual(state.failed(nowMillis: 0), .wait(millis: 100))
        XCTAssertEqual(state.timerFired(nowMillis: 100), .connect)
        XCTAssertEqual(state.failed(nowMillis: 100), .wait(millis: 200))
        XCTAssertEqual(state.timerFired(nowMillis: 300), .connect)
        XCTAssertEqual(state.connected(), .listening(resync: false))
    }

    func testStoppedIgnoresEverything() {
        var state = PostgresListenerState.initial
        state.stop()
        XCTAssertEqual(state.connected(), .none)
        XCTAssertEqual(state.failed(nowMillis: 0), .none)
        XCTAssertEqual(state.timerFired(nowMillis: 0), .none)
    }
}
