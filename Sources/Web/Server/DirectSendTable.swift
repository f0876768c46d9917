/// Which connections of one loop a shared frame may be `send`-ed to straight away. A connection
/// that takes a slot (`Connection.takeDirectSendSlot`, a WebSocket) has its slot hold its
/// handler's key while the handler is open and nothing is queued, and 0 otherwise: `Connection`
/// clears it the moment anything is queued or it starts closing. A room's walk
/// (`WebSocket.deliver(_:to:on:)`) reads this small dense table instead of two objects per
/// subscriber.
///
/// A key is the handler object's address. A walk compares the slot's key with the address of
/// the socket it holds a reference to, so a slot freed and taken by another socket meanwhile
/// never matches (the walk's socket is alive, so no other object has its address).
/// Loop thread only.
final class DirectSendTable {
    private var keys: UnsafeMutablePointer<UInt>
    private var capacity: Int
    /// Slots below this have been handed out at least once.
    private var used = 0
    /// Slots given back by closed connections, taken again first.
    private var free: [Int32] = []

    init() {
        capacity = 64
        keys = .allocate(capacity: capacity)
        keys.initialize(repeating: 0, count: capacity)
    }

    deinit { keys.deallocate() }

    /// The key a handler is entered under.
    @inline(__always)
    static func key(of handler: AnyObject) -> UInt {
        UInt(bitPattern: Unmanaged.passUnretained(handler).toOpaque())
    }

    /// A slot for one connection, not ready.
    func take() -> Int32 {
        if let slot = free.popLast() {
            if free.isEmpty { free = [] }
            return slot
        }
        if used == capacity { grow() }
        used += 1
        return Int32(used - 1)
    }

    /// Gives `slot` back (its connection closed).
    func giveBack(_ slot: Int32) {
        keys[Int(slot)] = 0
        free.append(slot)
    }

    /// True when the handler with `key` may be sent to now.
    @inline(__always)
    func isReady(_ slot: Int32, _ key: UInt) -> Bool {
        keys[Int(slot)] == key
    }

    /// The handler with `key` is open and its connection has nothing queued.
    func markReady(_ slot: Int32, _ key: UInt) {
        keys[Int(slot)] = key
    }

    /// Something is queued on the slot's connection, or it is closing.
    @inline(__always)
    func clear(_ slot: Int32) {
        if keys[Int(slot)] != 0 { keys[Int(slot)] = 0 }
    }

    /// Half as much again: the table stays within 1.5 words of the most sockets the loop had.
    private func grow() {
        let grown = capacity + capacity / 2
        let larger = UnsafeMutablePointer<UInt>.allocate(capacity: grown)
        larger.moveInitialize(from: keys, count: capacity)
        (larger + capacity).initialize(repeating: 0, count: grown - capacity)
        keys.deallocate()
        keys = larger
        capacity = grown
    }
}
