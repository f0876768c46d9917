/// What the router decided for one request, before anything is sent: a finished response
/// (sync routes, 404, 405, errors) or a handler to call with the request it should see.
/// Tests use this to check routing without an event loop.
public enum RouteResult {
    case response(Response)
    case handler(Handler, Request)
}
