import Logging
import Store
import Web

/// `/api/contacts`: the user's address book, their private contacts and those shared on their
/// numbers. Listing, adding, changing and deleting go through the store's threads; an imported
/// file is read on a worker thread and kept in one transaction, so a file is all in or all out.
/// Presets from the config stay read-only at `GET /presets`. Each change sends
/// `contacts.changed` `{"ids":[N]}` so the other dialers that see the contact load the list
/// again (the event carries no contact data): a new contact to its owner's room (the user's, or
/// its number's); a change or deletion to the user's and all their numbers' rooms, since the
/// contact may have moved between them.
final class ContactRoutes: @unchecked Sendable {
    let contacts: ContactRecords
    let live: LiveState
    let events: EventPublisher
    let workers: WorkerPool
    let logger: Logger
    /// What one imported file may cost: at most `maxImportBytes`, the rest as `ContactLimits`.
    let limits: ContactLimits = {
        var limits = ContactLimits()
        limits.maxFileBytes = ContactRoutes.maxImportBytes
        return limits
    }()
    /// Largest imported file (1 MiB, the server's largest body): a few thousand cards.
    static let maxImportBytes = 1024 * 1024
    /// Largest contact sent to add or change (64 KiB).
    static let maxContactBytes = 64 * 1024
    /// Most contacts listed or exported (10,000).
    static let maxListed = 10_000

    init(contacts: ContactRecords, live: LiveState, events: EventPublisher, workers: WorkerPool, logger: Logger) {
        self.contacts = contacts
        self.live = live
        self.events = events
        self.workers = workers
        self.logger = logger
    }

    func register(on router: Router, logins: LoginRoutes) {
        router.add("GET", "/api/contacts", logins.authenticated { [self] _, session, responder in
            list(user: session.user, responder)
        })
        router.add("GET", "/api/contacts/export.vcf", logins.authenticated { [self] _, session, responder in
            export(user: session.user, responder)
        })
        router.add("POST", "/api/contacts", maxBodyBytes: ContactRoutes.maxContactBytes, logins.authenticated(requireCSRF: true) { [self] request, session, responder in
            add(request, user: session.user, responder)
        })
        router.add("POST", "/api/contacts/import", maxBodyBytes: limits.maxFileBytes,
                   logins.authenticated(requireCSRF: true) { [self] request, session, responder in
            importFile(request, user: session.user, responder)
        })
        router.add("PUT", "/api/contacts/:id", maxBodyBytes: ContactRoutes.maxContactBytes, logins.authenticated(requireCSRF: true) { [self] request, session, responder in
            update(request, user: session.user, responder)
        })
        router.add("DELETE", "/api/contacts/:id", logins.authenticated(requireCSRF: true) { [self] request, session, responder in
            delete(request, user: session.user, responder)
        })
    }

    /// What `user` may see and change: their own contacts and their numbers' shared ones.
    func scope(of user: String) -> ContactScope {
        ContactScope(user: user, numbers: live.telephony.plan.numbers(of: user).map(\.e164))
    }

    /// Numbers written without a country code are in the country of the user's first number.
    func defaultCallingCode(of user: String) -> Int? {
        let plan = live.telephony.plan
        return (plan.numbers(of: user).first ?? plan.ourNumbers.first)?.countryCallingCode
    }

    /// `GET /api/contacts`: `{"contacts":[…]}` by name.
    func list(user: String, _ responder: Responder) {
        contacts.list(scope(of: user), limit: ContactRoutes.maxListed) { [self] result in
            switch result {
            case .success(let found):
                responder.send(noStore(.json(JSON.object([("contacts", .array(found.map(\.json)))]).text)))
            case .failure(let error): unavailable(error, "list for \(user)", responder)
            }
        }
    }

    /// `GET /api/contacts/export.vcf`: every contact the user sees, as vCard 4.0.
    func export(user: String, _ responder: Responder) {
        contacts.list(scope(of: user), limit: ContactRoutes.maxListed) { [self] result in
            switch result {
            case .success(let found):
                var response = Response(body: Array(VCardWriter.write(found.map(\.contact)).utf8))
                response.headers.set("Content-Type", "text/vcard; charset=utf-8")
                response.headers.set("Content-Disposition", "attachment; filename=\"contacts.vcf\"")
                responder.send(noStore(response))
            case .failure(let error): unavailable(error, "export for \(user)", responder)
            }
        }
    }

    /// `POST /api/contacts`: 201 with the contact kept.
    func add(_ request: Request, user: String, _ responder: Responder) {
        let draft: ContactDraft
        do {
            draft = try ContactInput.draft(request.body, scope: scope(of: user), defaultCallingCode: defaultCallingCode(of: user))
        } catch {
            return responder.send(ContactRoutes.refusal("\(error)"))
        }
        contacts.add([draft], at: VoiceRoutes.nowMillis() / 1000) { [self] result in
            switch result {
            case .success(let kept):
                announce(kept.map(\.id), to: [draft.owner.room])
                responder.send(.json((kept.first?.json ?? .null).text, status: .created))
            case .failure(let error): unavailable(error, "add for \(user)", responder)
            }
        }
    }

    /// `PUT /api/contacts/{id}`: the contact replaced; 404 when the user has no such contact.
    func update(_ request: Request, user: String, _ responder: Responder) {
        let scope = scope(of: user)
        let id: Int
        let draft: ContactDraft
        do {
            id = try ContactRoutes.id(request)
            draft = try ContactInput.draft(request.body, scope: scope, defaultCallingCode: defaultCallingCode(of: user))
        } catch {
            return responder.send(ContactRoutes.refusal("\(error)"))
        }
        contacts.update(id: id, draft, scope: scope, at: VoiceRoutes.nowMillis() / 1000) { [self] result in
            switch result {
            case .success(let kept?):
                announce([id], to: ContactRoutes.rooms(of: scope))
                responder.send(.json(kept.json.text))
            case .success(nil): responder.send(ContactRoutes.notFound(id))
            case .failure(let error): unavailable(error, "update for \(user)", responder)
            }
        }
    }

    /// `DELETE /api/contacts/{id}`: 204, or 404 when the user has no such contact.
    func delete(_ request: Request, user: String, _ responder: Responder) {
        let id: Int
        do { id = try ContactRoutes.id(request) } catch { return responder.send(ContactRoutes.refusal("\(error)")) }
        let scope = scope(of: user)
        contacts.delete(id: id, scope: scope) { [self] result in
            switch result {
            case .success(true):
                announce([id], to: ContactRoutes.rooms(of: scope))
                responder.send(Response(status: .noContent))
            case .success(false): responder.send(ContactRoutes.notFound(id))
            case .failure(let error): unavailable(error, "delete for \(user)", responder)
            }
        }
    }

    /// `POST /api/contacts/import[?sharedOn=+1…]`, the body a vCard or CSV file: 200
    /// `{"imported":N,"alreadyKept":M,"contacts":[…]}` (contacts the owner already has are not
    /// added again: `ContactImportMatch`), or 400 listing every bad row and keeping nothing.
    func importFile(_ request: Request, user: String, _ responder: Responder) {
        let scope = scope(of: user)
        let owner: ContactOwner
        do {
            owner = try ContactInput.owner(try request.queryValue("sharedOn").map { .string($0) }, scope: scope)
        } catch {
            return responder.send(ContactRoutes.refusal("\(error)"))
        }
        guard let text = String(validating: request.body, as: UTF8.self) else {
            return responder.send(ContactRoutes.refusal("the file is not UTF-8 text"))
        }
        let callingCode = defaultCallingCode(of: user)
        let queued = workers.submit { [self] in
            switch ContactFile.read(text, defaultCallingCode: callingCode, limits: limits) {
            case .failure(let error):
                responder.send(.json(error.json.text, status: .badRequest))
            case .success(let read) where read.isEmpty:
                responder.send(ContactRoutes.refusal("the file holds no contacts"))
            case .success(let read):
                let drafts = read.map { contact in
                    ContactDraft(owner: owner, name: contact.name,
                                 numbers: contact.numbers.map { ContactNumber(label: $0.label, number: $0.number.e164) },
                                 note: contact.note)
                }
                store(drafts, of: owner, scope: scope, user: user, responder)
            }
        }
        if !queued { responder.send(.json("{\"error\":\"busy; try the import again in a moment\"}", status: .serviceUnavailable)) }
    }

    /// Adds the drafts the owner does not have yet (the list is read first, on the store's thread).
    private func store(_ drafts: [ContactDraft], of owner: ContactOwner, scope: ContactScope, user: String,
                       _ responder: Responder) {
        contacts.list(scope, limit: ContactRoutes.maxListed) { [self] listed in
            let existing: [StoredContact]
            switch listed {
            case .success(let contacts): existing = contacts
            case .failure(let error): return unavailable(error, "import for \(user)", responder)
            }
            var match = ContactImportMatch(existing: existing.map(\.draft).filter { $0.owner == owner })
            let fresh = drafts.filter { match.isNew($0) }
            let alreadyKept = drafts.count - fresh.count
            func answer(_ kept: [StoredContact]) {
                responder.send(.json(JSON.object([("imported", .int(kept.count)), ("alreadyKept", .int(alreadyKept)),
                                                  ("contacts", .array(kept.map(\.json)))]).text))
            }
            guard !fresh.isEmpty else { return answer([]) }
            contacts.add(fresh, at: VoiceRoutes.nowMillis() / 1000) { [self] result in
                switch result {
                case .success(let kept):
                    announce(kept.map(\.id), to: [owner.room])
                    answer(kept)
                case .failure(let error): unavailable(error, "import for \(user)", responder)
                }
            }
        }
    }

    /// Every room whose dialers may see a contact of `scope`: the user's and their numbers'.
    static func rooms(of scope: ContactScope) -> [String] {
        [RoomName.user(scope.user)] + scope.numbers.map(RoomName.number)
    }

    /// `contacts.changed` with (at most 100 of) `ids`, to `rooms`.
    private func announce(_ ids: [Int], to rooms: [String]) {
        guard !ids.isEmpty else { return }
        events.publish(PhoneEvent("contacts.changed", JSON.object([("ids", .array(ids.prefix(100).map { .int($0) }))]), rooms: rooms))
    }

    static func id(_ request: Request) throws -> Int {
        let text = request.parameters["id"] ?? ""
        guard text.count <= 18, let id = Int(text), id > 0 else {
            throw ContactInputError("\(JSON.quoted(String(text.prefix(40)))) is not a contact id")
        }
        return id
    }

    static func refusal(_ message: String) -> Response {
        .json(JSON.object([("error", .string(message))]).text, status: .badRequest)
    }

    static func notFound(_ id: Int) -> Response {
        .json(JSON.object([("error", .string("no contact \(id) of yours"))]).text, status: .notFound)
    }

    private func noStore(_ response: Response) -> Response {
        var response = response
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    private func unavailable(_ error: StoreError, _ what: String, _ responder: Responder) {
        logger.error("contacts \(what): \(error)")
        responder.send(.json("{\"error\":\"the contacts cannot be reached now\"}", status: .serviceUnavailable))
    }
}

extension ContactOwner {
    /// The room of the dialers that see a contact of this owner.
    var room: String {
        switch self {
        case .user(let user): return RoomName.user(user)
        case .number(let number): return RoomName.number(number)
        }
    }
}
