import FlyingFox
import PeerCommon

/// FlyingFox's WebSocket side of the fan-out benchmark: the stream it returns is the
/// socket's membership of the room, and a task reads what the peer sends. A text
/// `publish:<n>` sends `bench:<n>` to everyone; any other text is echoed.
struct BenchRoomHandler: WSMessageHandler {
    let room: BenchRoom<WSMessage>

    func makeMessages(for client: AsyncStream<WSMessage>) async throws -> AsyncStream<WSMessage> {
        let (id, outbound) = room.join()
        Task { [room] in
            for await message in client {
                guard case .text(let text) = message else { continue }
                if text.hasPrefix("publish:") {
                    room.publish(.text("bench:" + text.dropFirst("publish:".count)))
                } else {
                    room.send(.text(text), to: id)
                }
            }
            room.leave(id)
        }
        return outbound
    }
}
