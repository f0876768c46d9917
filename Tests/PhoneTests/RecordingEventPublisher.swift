import Phone
import Web

/// Keeps published events in memory, for tests.
final class RecordingEventPublisher: EventPublisher, @unchecked Sendable {
    private let lock = Mutex()
    private var recorded: [PhoneEvent] = []

    func publish(_ event: PhoneEvent) {
        lock.withLock { recorded.append(event) }
    }

    var events: [(event: PhoneEvent, rooms: [String])] { lock.withLock { recorded.map { ($0, $0.rooms) } } }
}
