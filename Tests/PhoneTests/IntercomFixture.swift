import Foundation
import XCTest
@testable import Phone
import Store
@testable import Web
import Logging

/// A unix-seconds clock the test moves by hand.
final class SecondsClock: @unchecked Sendable {
    private let lock = NSLock()
    private var seconds: Int
    init(_ start: Int) { seconds = start }
    var now: Int { lock.withLock { seconds } }
    func advance(_ by: Int) { lock.withLock { seconds += by } }
    var function: @Sendable () -> Int { { [self] in now } }
}

/// A leadership the test hands out or takes away.
final class SwitchedLeadership: InstanceLeadership, @unchecked Sendable {
    private let lock = NSLock()
    private var leads: Bool
    init(_ leads: Bool) { self.leads = leads }
    var isLeader: Bool {
        get { lock.withLock { leads } }
        set { lock.withLock { leads = newValue } }
    }
    func stop() { isLeader = false }
}

/// A temporary folder with a real SQLite store, settings read from INI text, a manual clock,
/// recorded events, and one event loop for the routes' `Responder`s.
final class IntercomFixture {
    /// 2027-01-15 08:00:00 UTC.
    static let start = 1_800_000_000
    static let intercomNumber = "+442079460999"
    static let residentNumber = "+447700900123"

    let directory: String
    let clock = SecondsClock(IntercomFixture.start)
    let events = RecordingEventPublisher()
    let log = CapturedLog()
    var settings: IntercomSettings
    let store: SQLiteStore
    let loop: EventLoop

    init(_ intercomSection: String = "expected_from = +442079460999\ndial = +447700900123") throws {
        directory = NSTemporaryDirectory() + "intercom-tests-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        settings = try IntercomFixture.settings(intercomSection)
        store = try SQLiteStore(path: directory + "/shetphone.db", logger: log.logger())
        loop = try EventLoop(index: 91)
        loop.start()
    }

    deinit {
        loop.stop()
        loop.join()
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    static func settings(_ intercomSection: String) throws -> IntercomSettings {
        let ini = try IniFile(text: "[intercom]\n" + intercomSection, path: "shetphone.ini")
        return try IntercomSettings(section: ini["intercom"], file: "shetphone.ini")
    }

    /// A new intercom on the fixture's store (a second one is a restart, or another instance).
    func intercom(leadership: InstanceLeadership = SoleLeadership()) throws -> Intercom {
        try Intercom(settings: settings, records: store.intercom, publisher: events, logger: log.logger(),
                     clock: clock.function, leadership: leadership)
    }

    /// What the store holds now.
    func stored() throws -> IntercomState {
        IntercomState(stored: try store.intercom.loadNow(openingLimit: IntercomState.maximumOpenings))
    }

    /// The events of one type, in order.
    func published(_ type: String) -> [JSON] {
        events.events.filter { $0.event.type == type }.map(\.event.data)
    }

    /// Runs an asynchronous route through a real `Responder` on the fixture's loop and waits.
    func respond(_ route: (Responder) -> Void) -> Response {
        let box = WaitBox<Response>()
        route(Responder(loop: loop) { box.put($0) })
        return box.take()
    }
}

/// One value handed from another thread to the waiting test.
final class WaitBox<T>: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: T?
    func put(_ value: T) {
        condition.lock()
        self.value = value
        condition.signal()
        condition.unlock()
    }
    func take() -> T {
        condition.lock()
        defer { condition.unlock() }
        while value == nil { condition.wait() }
        return value!
    }
}

/// The asynchronous calls, waited for (tests only).
extension Intercom {
    func answer(_ call: IntercomCall) throws -> IntercomAnswer {
        let box = WaitBox<Result<IntercomAnswer, StoreError>>()
        answer(call) { box.put($0) }
        return try box.take().get()
    }

    @discardableResult
    func changeGrant(minutes: Int, action: GrantAction? = nil, by user: String) throws -> GrantPeriod {
        let box = WaitBox<Result<GrantPeriod, StoreError>>()
        changeGrant(minutes: minutes, action: action, by: user) { box.put($0) }
        return try box.take().get()
    }

    @discardableResult
    func endGrant(by user: String) throws -> GrantPeriod? {
        let box = WaitBox<Result<GrantPeriod?, StoreError>>()
        endGrant(by: user) { box.put($0) }
        return try box.take().get()
    }

    /// One sweep, waited for until everything it started in the store has finished.
    func sweepAndSettle() {
        let box = WaitBox<Bool>()
        sweep { box.put(true) }
        _ = box.take()
    }
}

/// The asynchronous routes, waited for on one shared test loop (tests only).
extension IntercomRoutes {
    static let testLoop: EventLoop = {
        let loop = try! EventLoop(index: 92)
        loop.start()
        return loop
    }()

    private func waited(_ route: (Responder) -> Void) -> Response {
        let box = WaitBox<Response>()
        route(Responder(loop: IntercomRoutes.testLoop) { box.put($0) })
        return box.take()
    }

    /// The webhook as the router mounts it: the signature gate, then the decision.
    func webhook(_ request: Request) -> Response {
        waited { responder in
            switch webhookGate.verify(request, logger: Logger(label: "test")) {
            case .success(let form): answer(request, form, responder)
            case .failure(let refusal): responder.send(refusal.response)
            }
        }
    }

    func grantPage(_ request: Request) -> Response { waited { grantPage(request, $0) } }
    func changeGrant(_ request: Request, user: String) -> Response { waited { changeGrant(request, user: user, $0) } }
    func endGrant(_ request: Request, user: String) -> Response { waited { endGrant(request, user: user, $0) } }
}
