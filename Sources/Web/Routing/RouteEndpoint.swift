/// What a route runs: a synchronous function from request to response, or a full `Handler`
/// that answers through its `Responder` (now or later, from a worker); and the pattern it was
/// registered under, which metrics count requests by (never the raw path).
struct RouteEndpoint {
    enum Action {
        case respond((Request) throws -> Response)
        case handle(Handler)
    }

    let action: Action
    let pattern: String
    /// The largest body this route reads, when it is below `Limits.maxBodyBytes`; the server
    /// checks it on the request head, before any body byte is read.
    let maxBodyBytes: Int?
}
