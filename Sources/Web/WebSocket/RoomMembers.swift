/// The sockets in one room: one contiguous array per event loop, so a publish hands each loop its
/// array as it stands (one retain of the array, none per socket) and the loop walks it without a
/// dictionary, reading each member's descriptor and direct-send slot from the array itself. A socket knows its slot (`RoomMembership`), so leaving is a swap with the last one.
/// Guarded by `Rooms.lock`.
final class RoomMembers {
    let name: String
    /// The registry that holds this room by name, told when the room empties.
    weak var registry: Rooms?
    private(set) var loops: [LoopMembers] = []
    private(set) var count = 0
    /// How many members share each compression setting: a publish compresses once per key.
    private(set) var compressions: [SharedCompression: Int] = [:]

    /// The members living on one loop.
    struct LoopMembers {
        let loop: EventLoop
        var members: [RoomMember]
    }

    init(name: String, registry: Rooms) {
        self.name = name
        self.registry = registry
    }

    /// Adds `socket` and returns its membership.
    func add(_ socket: WebSocket) -> RoomMembership {
        let group: Int
        if let index = loops.firstIndex(where: { $0.loop === socket.loop }) {
            group = index
        } else {
            group = loops.count
            loops.append(LoopMembers(loop: socket.loop, members: []))
        }
        loops[group].members.append(RoomMember(socket))
        count += 1
        if let shared = socket.sharedCompression { compressions[shared, default: 0] += 1 }
        return RoomMembership(room: self, group: group, slot: loops[group].members.count - 1)
    }

    /// Removes the socket at `membership`; the last socket of its loop takes its slot.
    func remove(_ socket: WebSocket, _ membership: RoomMembership) {
        let group = membership.group
        let slot = membership.slot
        let last = loops[group].members.count - 1
        if slot != last {
            let moved = loops[group].members[last].socket
            loops[group].members.swapAt(slot, last)
            moved.moveMembership(in: self, toSlot: slot)
        }
        loops[group].members.removeLast()
        if loops[group].members.isEmpty { loops[group].members = [] }
        count -= 1
        if let shared = socket.sharedCompression {
            let left = (compressions[shared] ?? 1) - 1
            compressions[shared] = left > 0 ? left : nil
        }
    }

    /// Every member, loop by loop.
    var sockets: [WebSocket] { loops.flatMap { $0.members.map(\.socket) } }
}
