import Glibc
import Logging
import Store
import Web

/// Voicemail: Twilio's signed recording and transcription callbacks store it and tell the
/// number's dialers (`voicemail.new`) and the people away (email, hook); the dialer lists,
/// plays (through this server, which fetches the audio from Twilio's API with the account's
/// credentials off the loop), marks heard, deletes (at Twilio, then here) and downloads.
final class VoicemailRoutes: @unchecked Sendable {
    let records: VoicemailRecords
    let api: TwilioAPI
    let live: LiveState
    let events: EventPublisher
    let queue: NoticeQueue?
    let notices: VoicemailNotices
    let logger: Logger
    /// Recordings relayed at once (each is held in memory until sent); more get 503.
    let maxRelays = 8
    private let relayLock = Mutex()
    private var relays = 0

    init(records: VoicemailRecords, api: TwilioAPI, live: LiveState, events: EventPublisher, queue: NoticeQueue?,
         notices: VoicemailNotices, logger: Logger) {
        self.records = records
        self.api = api
        self.live = live
        self.events = events
        self.queue = queue
        self.notices = notices
        self.logger = logger
    }

    // MARK: Twilio's callbacks (behind the signature gate)

    /// `POST /voicemail/recording?number=&caller=`: the recording is ready. Answered after the
    /// voicemail and its notices are committed (no network on the way), 503 if the store fails.
    func recording(_ request: Request, _ form: [(String, String)], _ responder: Responder) {
        let parameters = TwilioParameters(form)
        let hint = TwilioParameters((try? request.queryItems()) ?? [])
        guard parameters["RecordingStatus"] ?? "completed" == "completed",
              let sid = parameters["RecordingSid"], TwilioAPI.isSID(sid, prefix: "RE"),
              let number = hint["number"], let ourNumber = try? PhoneNumber(e164: number),
              !live.telephony.plan.users(answering: ourNumber).isEmpty
        else {
            logger.info("recording callback without a completed recording for one of our numbers: ignored")
            responder.send(Response(status: .noContent))
            return
        }
        let voicemail = Voicemail(recordingSID: sid, callSID: parameters["CallSid"] ?? "", number: number,
                                  from: hint["caller"] ?? "unknown", durationSeconds: Int(parameters["RecordingDuration"] ?? "") ?? 0,
                                  receivedAt: Int(time(nil)))
        records.save(voicemail) { [self] result in
            switch result {
            case .failure(let error):
                logger.error("voicemail \(sid): \(error)")
                responder.send(.error(.serviceUnavailable, "cannot store the voicemail now"))
            case .success(false):
                responder.send(Response(status: .noContent))  // Twilio retried: already kept and announced.
            case .success(true):
                logger.info("voicemail \(sid) for \(number) from \(voicemail.from), \(voicemail.durationSeconds) s")
                events.publish(PhoneEvent("voicemail.new", voicemail.json, rooms: [RoomName.number(number)]))
                let transcribing = live.telephony.reach.voicemail?.transcribe ?? false
                queueNotices(for: voicemail, email: !transcribing) { responder.send(Response(status: .noContent)) }
            }
        }
    }

    /// `POST /voicemail/transcription?number=&caller=`: the transcript (or its failure); the email waits for it.
    func transcription(_ request: Request, _ form: [(String, String)], _ responder: Responder) {
        let parameters = TwilioParameters(form)
        guard let sid = parameters["RecordingSid"], TwilioAPI.isSID(sid, prefix: "RE") else {
            responder.send(Response(status: .noContent))
            return
        }
        let text = parameters["TranscriptionStatus"] == "completed" ? String((parameters["TranscriptionText"] ?? "").prefix(10_000)) : ""
        records.setTranscript(recordingSID: sid, transcript: text) { [self] result in
            switch result {
            case .failure(let error):
                logger.error("voicemail \(sid) transcript: \(error)")
                responder.send(.error(.serviceUnavailable, "cannot store the transcript now"))
            case .success(nil):
                responder.send(Response(status: .noContent))
            case .success(let voicemail?):
                events.publish(PhoneEvent("voicemail.updated", voicemail.json, rooms: [RoomName.number(voicemail.number)]))
                guard let message = emailFor(voicemail) else {
                    responder.send(Response(status: .noContent))
                    return
                }
                guard let queue else { return responder.send(Response(status: .noContent)) }
                queue.enqueue(message) { _ in responder.send(Response(status: .noContent)) }
            }
        }
    }

    private func emailFor(_ voicemail: Voicemail) -> EmailMessage? {
        guard let number = try? PhoneNumber(e164: voicemail.number) else { return nil }
        return notices.email(for: voicemail, users: live.telephony.plan.users(answering: number), now: Int(time(nil)))
    }

    /// The hook and (unless a transcript is coming) the email, both committed before `done`.
    private func queueNotices(for voicemail: Voicemail, email: Bool, done: @escaping () -> Void) {
        guard let queue else { return done() }
        var pending: [(@escaping () -> Void) -> Void] = []
        if let hook = notices.hooks.hook(kind: "voicemail.new", id: "voicemail-\(voicemail.recordingSID)", data: voicemail.json,
                                          now: Int(time(nil))) {
            pending.append { next in queue.enqueue(hook, data: voicemail.json) { _ in next() } }
        }
        if email, let message = emailFor(voicemail) {
            pending.append { next in queue.enqueue(message) { _ in next() } }
        }
        func step(_ index: Int) {
            guard index < pending.count else { return done() }
            let run = pending[index]
            run { step(index + 1) }
        }
        step(0)
    }

    // MARK: the dialer's API (logged in)

    /// The numbers `user` answers, as E.164 text.
    private func numbers(of user: String) -> [String] { live.telephony.plan.numbers(of: user).map(\.e164) }

    /// `GET /api/voicemail`: `{"voicemails":[...], "unheard": n}`, unheard first, newest first.
    func list(user: String, _ responder: Responder) {
        records.list(numbers: numbers(of: user), limit: 200) { result in
            switch result {
            case .success(let voicemails):
                responder.send(.json(JSON.object([
                    ("voicemails", .array(voicemails.map(\.json))),
                    ("unheard", .int(voicemails.filter { $0.heardAt == nil }.count)),
                ]).text))
            case .failure(let error):
                responder.send(.json(JSON.object([("error", .string("\(error)"))]).text, status: .serviceUnavailable))
            }
        }
    }

    /// The voicemail `sid` if `user` answers its number; else the response that says why not.
    private func owned(_ sid: String, user: String, _ responder: Responder, _ next: @escaping (Voicemail) -> Void) {
        guard TwilioAPI.isSID(sid, prefix: "RE") else {
            responder.send(VoicemailRoutes.problem(.badRequest, "\(JSON.quoted(String(sid.prefix(40)))) is not a recording SID"))
            return
        }
        records.find(recordingSID: sid) { [self] result in
            switch result {
            case .success(let voicemail?) where numbers(of: user).contains(voicemail.number): next(voicemail)
            case .success: responder.send(VoicemailRoutes.problem(.notFound, "no voicemail \(sid)"))
            case .failure(let error): responder.send(VoicemailRoutes.problem(.serviceUnavailable, "\(error)"))
            }
        }
    }

    /// `GET /api/voicemail/:sid/audio[?download=1]`: the audio from Twilio's API, relayed, with
    /// `Range` (206/416), `If-Range` and `If-None-Match` so players can seek. A recording never
    /// changes, so its SID is its strong ETag.
    func audio(_ request: Request, _ sid: String, user: String, download: Bool, _ responder: Responder) {
        owned(sid, user: user, responder) { [self] voicemail in
            if let tags = request.headers["If-None-Match"], VoicemailRoutes.matches(tags, VoicemailRoutes.etag(sid)) {
                var unchanged = Response(status: .notModified)
                unchanged.headers.set("ETag", VoicemailRoutes.etag(sid))
                unchanged.headers.add("Cache-Control", "private, max-age=3600")
                return responder.send(unchanged)
            }
            let admitted = relayLock.withLock { () -> Bool in
                guard relays < maxRelays else { return false }
                relays += 1
                return true
            }
            guard admitted else {
                var busy = VoicemailRoutes.problem(.serviceUnavailable, "too many recordings are loading; try again shortly")
                busy.headers.add("Retry-After", "2")
                return responder.send(busy)
            }
            let body = AudioBuffer(limit: api.maxMediaBytes)
            api.streamRecordingMedia(sid, onChunk: { body.append($0) }, completion: { [self] result in
                relayLock.withLock { relays -= 1 }
                switch result {
                case .success(let type) where !body.overflowed:
                    var response = ByteRange.response(for: request, body: body.bytes, etag: VoicemailRoutes.etag(sid),
                                                      contentType: type.hasPrefix("audio/") ? type : "audio/mpeg")
                    response.headers.add("Cache-Control", "private, max-age=3600")
                    if download {
                        let name = "voicemail-\(voicemail.from.filter { $0.isASCII && ($0.isNumber || $0 == "+") })-\(voicemail.receivedAt).mp3"
                        response.headers.add("Content-Disposition", "attachment; filename=\"\(name)\"")
                    }
                    responder.send(response)
                case .success:
                    responder.send(VoicemailRoutes.problem(HTTPStatus(502), "the recording is larger than \(api.maxMediaBytes) bytes"))
                case .failure(let error):
                    logger.warning("voicemail \(sid) audio: \(error)")
                    responder.send(VoicemailRoutes.problem(HTTPStatus(error.statusForBrowser), "\(error)"))
                }
            })
        }
    }

    /// `POST /api/voicemail/:sid/heard`
    func markHeard(_ sid: String, user: String, _ responder: Responder) {
        owned(sid, user: user, responder) { [self] voicemail in
            records.markHeard(recordingSID: sid, at: Int(time(nil))) { [self] result in
                if case .failure(let error) = result {
                    return responder.send(VoicemailRoutes.problem(.serviceUnavailable, "\(error)"))
                }
                events.publish(PhoneEvent("voicemail.heard", ["recordingSid": .string(sid)], rooms: [RoomName.number(voicemail.number)]))
                responder.send(Response(status: .noContent))
            }
        }
    }

    /// `DELETE /api/voicemail/:sid`: at Twilio first (so nothing stays there), then here.
    func delete(_ sid: String, user: String, _ responder: Responder) {
        owned(sid, user: user, responder) { [self] voicemail in
            api.deleteRecording(sid) { [self] result in
                if case .failure(let error) = result {
                    logger.warning("voicemail \(sid) delete at Twilio: \(error)")
                    return responder.send(VoicemailRoutes.problem(HTTPStatus(error.statusForBrowser), "\(error)"))
                }
                records.delete(recordingSID: sid) { [self] stored in
                    if case .failure(let error) = stored {
                        return responder.send(VoicemailRoutes.problem(.serviceUnavailable, "\(error)"))
                    }
                    events.publish(PhoneEvent("voicemail.deleted", ["recordingSid": .string(sid)], rooms: [RoomName.number(voicemail.number)]))
                    responder.send(Response(status: .noContent))
                }
            }
        }
    }

    /// The strong ETag of a recording's audio: its SID (the audio behind a SID never changes).
    static func etag(_ sid: String) -> String { "\"" + sid + "\"" }

    /// `If-None-Match: "a", W/"b"` (or `*`) names `etag` (weak comparison, RFC 9110 §13.1.2).
    static func matches(_ header: String, _ etag: String) -> Bool {
        header.split(separator: ",").contains { tag in
            let tag = tag.trimmingASCIISpacesForIni()
            return tag == "*" || tag == etag || tag == "W/" + etag
        }
    }

    static func problem(_ status: HTTPStatus, _ message: String) -> Response {
        .json(JSON.object([("error", .string(message))]).text, status: status)
    }
}

/// Audio arriving from the outbound thread, kept up to a limit.
final class AudioBuffer: @unchecked Sendable {
    let limit: Int
    private(set) var bytes: [UInt8] = []
    private(set) var overflowed = false
    init(limit: Int) { self.limit = limit }
    func append(_ chunk: [UInt8]) {
        guard !overflowed else { return }
        if bytes.count + chunk.count > limit { overflowed = true; bytes = []; return }
        bytes.append(contentsOf: chunk)
    }
}
