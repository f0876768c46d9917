import Logging
import Web

extension Router {
    /// Mounts a Twilio webhook at `path` behind `gate` (signature, size and field limits), for
    /// POST and for GET (the console lets either be chosen; Twilio signs a GET's full URL), and
    /// with a trailing slash (`/voice/`, as people type it into the console).
    /// The body limit is also the route's, so a longer `Content-Length` gets 413 from the head alone.
    /// `handle` sees only requests that passed, with their parameters decoded.
    public func webhook(_ path: String, methods: [String] = ["POST", "GET"], gate: TwilioWebhook, logger: Logger,
                        _ handle: @escaping (Request, [(String, String)]) -> Response) {
        webhook(path, methods: methods, gate: gate, logger: logger) { request, parameters, responder in
            responder.send(handle(request, parameters))
        }
    }

    /// The same for a webhook answered later (after the store committed its write): `handle`
    /// gets the responder and sends exactly once, from any thread.
    public func webhook(_ path: String, methods: [String] = ["POST", "GET"], gate: TwilioWebhook, logger: Logger,
                        answeringLater handle: @escaping (Request, [(String, String)], Responder) -> Void) {
        for method in methods {
            add(method, path, maxBodyBytes: gate.limits.maxBodyBytes, acceptsTrailingSlash: true) { request, responder in
                switch gate.verify(request, logger: logger) {
                case .success(let parameters): handle(request, parameters, responder)
                case .failure(let refusal): responder.send(refusal.response)
                }
            }
        }
    }
}
