/// What a route runs: a synchronous function from request to response, or a full `Handler`
/// that answers through its `Responder` (now or later, from a worker).
enum RouteEndpoint {
    case respond((Request) throws -> Response)
    case handle(Handler)
}
