import Logging
import Web

extension Router {
    /// Mounts a Twilio webhook at `path` behind `gate` (signature, size and field limits), for
    /// POST and for GET (the console lets either be chosen; Twilio signs a GET's full URL).
    /// `handle` sees only requests that passed, with their parameters decoded.
    public func webhook(_ path: String, gate: TwilioWebhook, logger: Logger,
                        _ handle: @escaping (Request, [(String, String)]) -> Response) {
        for method in ["POST", "GET"] {
            add(method, path) { request in gate.respond(to: request, logger: logger, handle) }
        }
    }
}
