/// Where a socket sits in one room: which loop's array, and its index there.
struct RoomMembership {
    let room: RoomMembers
    let group: Int
    var slot: Int
}
