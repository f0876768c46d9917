/// One server's `Limits`, held once and pointed at by each of its connections: the struct is
/// 160 bytes, which every idle connection (10,000 WebSockets, say) would otherwise carry.
final class SharedLimits: Sendable {
    let limits: Limits

    init(_ limits: Limits) {
        self.limits = limits
    }
}
