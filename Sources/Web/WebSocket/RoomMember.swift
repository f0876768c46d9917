/// One socket in a room's per-loop array, with what a publish needs to send to it without
/// touching the socket: its descriptor and its slot in the loop's `DirectSendTable`.
struct RoomMember {
    let socket: WebSocket
    let fd: Int32
    let slot: Int32

    /// The same member as the walk reads it: the socket borrowed from the array that holds it
    /// (no retain, so its reference count is not written per send). Same layout as `RoomMember`.
    struct Borrowed {
        let socket: Unmanaged<WebSocket>
        let fd: Int32
        let slot: Int32
    }

    init(_ socket: WebSocket) {
        self.socket = socket
        fd = socket.fd
        slot = socket.directSendSlot
    }
}
