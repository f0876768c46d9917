import Glibc
import Logging
import Store
import Web

/// Texts: the `POST /sms` webhook and its delivery-status callback `POST /sms/status` (both
/// behind the signature gate, answered after the store committed), and the dialer's API:
/// `GET /api/threads`, `GET /api/threads/{id}/messages?before=`, `POST /api/threads/{id}/read`,
/// `POST /api/messages`, `GET /api/messages/{sid}/media/{n}`. Every user on a number shares its
/// threads; nobody reaches a thread of a number they are not on. Events go to the number's room:
/// `sms.received`, `sms.sent`, `sms.status`, `sms.read` (the reader's own rooms only).
final class TextRoutes: @unchecked Sendable {
    let messages: MessageRecords
    let live: LiveState
    let events: EventPublisher
    let settings: TextSettings
    /// Twilio's REST API (nil: sending and media are unavailable, e.g. in the demo).
    let api: TwilioAPI?
    let rateLimit: SendRateLimit
    let baseURL: (Request) -> String
    let logger: Logger

    static let threadLimit = 100
    static let pageLimit = 50
    /// Largest `POST /api/messages` body (a 1,600-character text in JSON escapes fits easily).
    static let maxRequestBytes = 16 * 1024
    /// MMS pictures fetched from Twilio at once, server-wide (4). Each is held in memory whole
    /// (up to `TwilioAPI.maxMediaBytes`) until it is written, so this bounds what dialers asking
    /// for pictures can make the server hold; past it the dialer gets 503 with `Retry-After`.
    static let maxMediaFetches = 4
    /// The fetches running now, one unit each, out of `maxMediaFetches`.
    let mediaFetches = RequestBodyBudget(capacity: TextRoutes.maxMediaFetches)

    init(messages: MessageRecords, live: LiveState, events: EventPublisher, settings: TextSettings, api: TwilioAPI?,
         baseURL: @escaping (Request) -> String, logger: Logger) {
        self.messages = messages
        self.live = live
        self.events = events
        self.settings = settings
        self.api = api
        self.baseURL = baseURL
        self.logger = logger
        rateLimit = SendRateLimit(perMinute: settings.sendsPerMinute)
    }

    // MARK: webhooks

    /// `POST /sms`: keeps the text once (a repeated delivery is answered the same), then answers
    /// empty TwiML or the number's automatic reply and tells the number's room.
    func incoming(_ request: Request, _ form: [(String, String)], _ responder: Responder) {
        let message: TextMessage
        switch TextRules.incoming(form, plan: live.telephony.plan, now: VoiceRoutes.nowMillis()) {
        case .success(let parsed): message = parsed
        case .failure(let refusal):
            logger.warning("sms refused: \(refusal)")
            return responder.send(.error(.forbidden, "text refused: \(refusal)"))
        }
        let reply = settings.autoReply(for: message.number)
        messages.save(message) { [self] result in
            switch result {
            case .success(let saved):
                let children = reply.map { [TwiMLElement("Message", text: $0)] } ?? []
                responder.send(.xml(TwiML(children).xml))
                if saved.isNew {
                    logger.info("sms \(message.sid) to \(message.number) kept")
                    events.publish(PhoneEvent("sms.received", saved.message.json, rooms: [RoomName.number(message.number)]))
                }
            case .failure(let error):
                responder.send(unavailable(error, "text \(message.sid)"))
            }
        }
    }

    /// `POST /sms/status`: moves an outgoing text's status forward (never back), then 204.
    func status(_ request: Request, _ form: [(String, String)], _ responder: Responder) {
        func value(_ name: String) -> String { form.first { $0.0 == name }?.1 ?? "" }
        let sid = value("MessageSid")
        let status = value("MessageStatus").isEmpty ? value("SmsStatus") : value("MessageStatus")
        guard TwilioAPI.isSID(sid, prefix: "SM") || TwilioAPI.isSID(sid, prefix: "MM"),
              TextMessage.progress(of: status) >= 0 else {
            logger.info("message status callback without a MessageSid or a known MessageStatus: ignored")
            return responder.send(Response(status: .noContent))
        }
        let code = Int(value("ErrorCode")).flatMap { $0 > 0 ? $0 : nil }
        messages.updateStatus(sid: sid, status: status, errorCode: code) { [self] result in
            switch result {
            case .success(let updated):
                responder.send(Response(status: .noContent))
                if let updated {
                    events.publish(PhoneEvent("sms.status", updated.json, rooms: [RoomName.number(updated.number)]))
                }
            case .failure(let error):
                responder.send(unavailable(error, "status of \(sid)"))
            }
        }
    }

    // MARK: the dialer's API

    /// `GET /api/threads`: `{"threads":[...]}`, latest first, with the user's unread counts.
    func threads(user: String, _ responder: Responder) {
        let numbers = live.telephony.plan.numbers(of: user).map(\.e164)
        messages.threads(numbers: numbers, user: user, limit: TextRoutes.threadLimit) { [self] result in
            answer(result, responder) { JSON.object([("threads", .array($0.map(\.json)))]) }
        }
    }

    /// `GET /api/threads/{id}/messages?before=<id>`: `{"thread":{...},"messages":[...]}`, newest first.
    func messages(_ request: Request, user: String, _ responder: Responder) {
        let before: Int?
        do {
            let items = try request.queryItems()
            let text = items.first { $0.0 == "before" }?.1 ?? ""
            if text.isEmpty { before = nil } else {
                guard text.count <= 18, let value = Int(text), value > 0 else {
                    return responder.send(TextRoutes.badRequest("before must be a message id"))
                }
                before = value
            }
        } catch {
            return responder.send(TextRoutes.badRequest("the query string cannot be decoded"))
        }
        withThread(request, user: user, responder) { [self] thread in
            messages.messages(threadID: thread.id, before: before, limit: TextRoutes.pageLimit) { result in
                self.answer(result, responder) { JSON.object([("thread", thread.json), ("messages", .array($0.map(\.json)))]) }
            }
        }
    }

    /// `POST /api/threads/{id}/read`: the user has read every message of the thread.
    func markRead(_ request: Request, user: String, _ responder: Responder) {
        withThread(request, user: user, responder) { [self] thread in
            messages.markRead(threadID: thread.id, user: user) { result in
                self.answer(result, responder) { _ in
                    self.events.publish(PhoneEvent("sms.read", JSON.object([("threadId", .int(thread.id))]), rooms: [RoomName.user(user)]))
                    return JSON.object([("threadId", .int(thread.id)), ("unread", .int(0))])
                }
            }
        }
    }

    /// `POST /api/messages` `{"to","from"?,"body"}`: sends through Twilio with a status callback,
    /// keeps the message once Twilio took it, answers 201 with it and tells the number's room.
    func send(_ request: Request, user: String, _ responder: Responder) {
        let text: OutgoingText
        do {
            let json: JSON
            do { json = try JSONParser.parse(request.body) } catch { throw TextRefusal("the body is not JSON: \(error)") }
            text = try OutgoingText(json: json, user: user, plan: live.telephony.plan)
        } catch {
            return responder.send(TextRoutes.badRequest("\(error)"))
        }
        guard let api else {
            return responder.send(.json(TextRoutes.error("sending texts needs Twilio's API ([twilio] account_sid and auth_token)"),
                                        status: .serviceUnavailable))
        }
        if let wait = rateLimit.take(user) {
            var response = Response.json(TextRoutes.error("more than \(rateLimit.perMinute) texts a minute; wait \(wait) s"),
                                         status: .tooManyRequests)
            response.headers.set("Retry-After", String(wait))
            return responder.send(response)
        }
        let callback = baseURL(request) + "/sms/status"
        api.createMessage(from: text.from.e164, to: text.to.e164, body: text.body, statusCallback: callback) { [self] result in
            switch result {
            case .success(let json):
                guard let sid = json["sid"]?.stringValue,
                      TwilioAPI.isSID(sid, prefix: "SM") || TwilioAPI.isSID(sid, prefix: "MM") else {
                    logger.error("text from \(user) to \(text.to): Twilio's answer has no message sid")
                    return responder.send(.json(TextRoutes.error("Twilio's answer has no message sid"), status: HTTPStatus(502)))
                }
                let status = json["status"]?.stringValue ?? "queued"
                let message = TextMessage(sid: sid, number: text.from.e164, party: text.to.e164, direction: .outgoing,
                                          body: text.body, status: TextMessage.progress(of: status) >= 0 ? status : "queued",
                                          sentBy: user, createdAt: VoiceRoutes.nowMillis())
                messages.save(message) { saved in
                    switch saved {
                    case .success(let saved):
                        responder.send(.json(saved.message.json.text, status: .created))
                        self.events.publish(PhoneEvent("sms.sent", saved.message.json, rooms: [RoomName.number(message.number)]))
                    case .failure(let error):
                        self.logger.error("text \(sid) sent by \(user) but not kept: \(error)")
                        responder.send(.json(TextRoutes.error("sent, but the history cannot be written now"), status: .serviceUnavailable))
                    }
                }
            case .failure(let error):
                logger.warning("text from \(user) to \(text.to) refused: \(error)")
                responder.send(TextRoutes.twilioRefusal(error))
            }
        }
    }

    /// `GET /api/messages/{sid}/media/{n}`: an MMS picture, fetched from Twilio with our
    /// credentials (which never reach the browser), for users on the message's number only.
    func media(_ request: Request, user: String, _ responder: Responder) {
        let sid = request.parameters["sid"] ?? ""
        guard TwilioAPI.isSID(sid, prefix: "MM") || TwilioAPI.isSID(sid, prefix: "SM"),
              let index = Int(request.parameters["n"] ?? ""), (0..<TextRules.maxMedia).contains(index) else {
            return responder.send(.error(.notFound, "no such media"))
        }
        messages.message(sid: sid) { [self] result in
            guard case .success(let found) = result, let message = found, index < message.media.count,
                  isOnNumber(user, message.number) else {
                return responder.send(.error(.notFound, "no such media"))
            }
            guard let api, let mediaSID = TextRoutes.mediaSID(of: message.media[index].url) else {
                return responder.send(.error(.notFound, "the media is not at Twilio"))
            }
            guard mediaFetches.reserve(1) else {
                var busy = Response.error(.serviceUnavailable, "too many pictures are being fetched; try again in a moment")
                busy.headers.add("Retry-After", "1")
                return responder.send(busy)
            }
            api.fetchMessageMedia(messageSID: sid, mediaSID: mediaSID) { [mediaFetches] fetched in
                mediaFetches.release(1)
                switch fetched {
                case .success(let (contentType, bytes)):
                    var response = Response(body: bytes)
                    response.headers.add("Content-Type", contentType)
                    response.headers.add("Cache-Control", "private, max-age=3600")
                    response.headers.add("X-Content-Type-Options", "nosniff")
                    responder.send(response)
                case .failure(let error):
                    self.logger.warning("media \(index) of \(sid): \(error)")
                    responder.send(.error(HTTPStatus(502), "the picture cannot be fetched from Twilio now"))
                }
            }
        }
    }

    // MARK: pieces

    /// The `ME...` SID at the end of a Twilio media URL (`.../Messages/MM.../Media/ME...`).
    static func mediaSID(of url: String) -> String? {
        guard let last = url.split(separator: "/").last else { return nil }
        let sid = String(last)
        return TwilioAPI.isSID(sid, prefix: "ME") ? sid : nil
    }

    func isOnNumber(_ user: String, _ number: String) -> Bool {
        live.telephony.plan.numbers(of: user).contains { $0.e164 == number }
    }

    /// Runs `body` with the thread of the `:id` parameter when `user` is on its number; 404 otherwise
    /// (the same answer as for a thread that does not exist, so ids reveal nothing).
    func withThread(_ request: Request, user: String, _ responder: Responder, _ body: @escaping (TextThread) -> Void) {
        let text = request.parameters["id"] ?? ""
        guard text.count <= 18, let id = Int(text), id > 0 else {
            return responder.send(.json(TextRoutes.error("no such thread"), status: .notFound))
        }
        messages.thread(id: id, user: user) { [self] result in
            switch result {
            case .success(let thread):
                guard let thread, isOnNumber(user, thread.number) else {
                    return responder.send(.json(TextRoutes.error("no such thread"), status: .notFound))
                }
                body(thread)
            case .failure(let error):
                logger.error("thread \(id) for \(user): \(error)")
                responder.send(.json(TextRoutes.error("the texts cannot be read now"), status: .serviceUnavailable))
            }
        }
    }

    func answer<T>(_ result: Result<T, StoreError>, _ responder: Responder, _ json: (T) -> JSON) {
        switch result {
        case .success(let value):
            var response = Response.json(json(value).text)
            response.headers.set("Cache-Control", "no-store")
            responder.send(response)
        case .failure(let error):
            logger.error("texts: \(error)")
            responder.send(.json(TextRoutes.error("the texts cannot be read or written now"), status: .serviceUnavailable))
        }
    }

    func unavailable(_ error: StoreError, _ what: String) -> Response {
        if error.kind != .diskFull { logger.error("\(what) not recorded: \(error)") }
        var refusal = Response.error(.serviceUnavailable, "the texts cannot be written now; retry")
        refusal.headers.set("Retry-After", "5")
        return refusal
    }

    static func error(_ message: String) -> String { JSON.object([("error", .string(message))]).text }

    static func badRequest(_ message: String) -> Response { .json(error(message), status: .badRequest) }

    /// Twilio's refusal in words: its messaging error codes named, 400 for a refused request, 502 otherwise.
    static func twilioRefusal(_ error: TwilioAPIError) -> Response {
        if case let .api(status, code, message, _) = error, (400..<500).contains(status), status != 401, status != 429 {
            let words = code.flatMap(TwilioMessageError.words) ?? message
            return .json(JSON.object([("error", .string("Twilio refused the text: \(words)")), ("code", .int(orNull: code))]).text,
                         status: .badRequest)
        }
        return .json(TextRoutes.error("\(error)"), status: HTTPStatus(502))
    }
}
