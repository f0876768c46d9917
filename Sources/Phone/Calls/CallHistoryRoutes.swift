import Glibc
import Logging
import Store
import Web

/// `GET /api/calls` (a page of the user's history, newest first) and `POST /api/calls/seen`
/// (their missed-call count back to zero). The store answers on its own threads; the response
/// hops back to the connection's loop.
final class CallHistoryRoutes: @unchecked Sendable {
    let calls: CallRecords
    /// The texts, for `q` (set by the app when it keeps texts).
    var messages: MessageRecords?
    let live: LiveState
    let logger: Logger

    /// Default and largest page (50, 200).
    static let defaultLimit = 50
    static let maxLimit = 200
    /// Longest `q` looked for (64 characters).
    static let maxSearchLength = 64

    init(calls: CallRecords, live: LiveState, logger: Logger) {
        self.calls = calls
        self.live = live
        self.logger = logger
    }

    /// `GET /api/calls?before=&limit=&q=&missed=1`:
    /// `{"calls":[...],"next":"<cursor>"|null,"unseenMissed":N}`.
    func list(_ request: Request, user: String, _ responder: Responder) {
        let query: CallQuery
        do {
            query = try self.query(request, user: user)
        } catch {
            return responder.send(.json(JSON.object([("error", .string("\(error)"))]).text, status: .badRequest))
        }
        calls.page(query) { [self] result in
            switch result {
            case .success(let page):
                answer([
                    ("calls", .array(page.calls.map(\.json))),
                    ("next", .string(orNull: page.next?.text)),
                    ("unseenMissed", .int(page.unseenMissed)),
                ], query: query, responder)
            case .failure(let error):
                logger.error("history for \(user): \(error)")
                responder.send(.json("{\"error\":\"the call history cannot be read now\"}", status: .serviceUnavailable))
            }
        }
    }

    /// `POST /api/calls/seen`: `{"unseenMissed":0}` once stored.
    func markSeen(user: String, _ responder: Responder) {
        calls.markSeen(user: user, at: VoiceRoutes.nowMillis()) { result in
            switch result {
            case .success: responder.send(.json("{\"unseenMissed\":0}"))
            case .failure:
                responder.send(.json("{\"error\":\"the call history cannot be written now\"}", status: .serviceUnavailable))
            }
        }
    }

    /// The query from the URL; the error names the parameter that is wrong (400).
    func query(_ request: Request, user: String) throws -> CallQuery {
        let items: [(String, String)]
        do { items = try request.queryItems() } catch {
            throw CallQueryError(message: "the query string cannot be decoded")
        }
        func value(_ name: String) -> String? { items.first { $0.0 == name }?.1 }
        func refuse(_ message: String) -> CallQueryError { CallQueryError(message: message) }
        let telephony = live.telephony
        var query = CallQuery(user: user, numbers: telephony.plan.numbers(of: user).map(\.e164),
                              limit: CallHistoryRoutes.defaultLimit)
        if let before = value("before"), !before.isEmpty {
            guard let cursor = CallCursor(text: before) else { throw refuse("before: \(JSON.quoted(String(before.prefix(40)))) is not a cursor from \"next\"") }
            query.before = cursor
        }
        if let limit = value("limit"), !limit.isEmpty {
            guard limit.count <= 4, let number = Int(limit), (1...CallHistoryRoutes.maxLimit).contains(number) else {
                throw refuse("limit must be 1...\(CallHistoryRoutes.maxLimit)")
            }
            query.limit = number
        }
        if let missed = value("missed"), !missed.isEmpty {
            guard missed == "1" || missed == "0" else { throw refuse("missed must be 1 or 0") }
            query.missedOnly = missed == "1"
        }
        if let text = value("q")?.trimmingASCIISpacesForIni(), !text.isEmpty {
            guard text.count <= CallHistoryRoutes.maxSearchLength else {
                throw refuse("q is longer than \(CallHistoryRoutes.maxSearchLength) characters")
            }
            // Leading zeros are a trunk or international prefix (`020...`, `0044...`), never part
            // of the E.164 number stored: `(020) 7123-4567` finds `+442071234567`.
            let digits = String(text.filter { $0.isASCII && $0.isNumber }.drop { $0 == "0" })
            if !digits.isEmpty { query.digits = digits }
            query.text = text
            let lowered = text.lowercased()
            query.alsoNumbers = telephony.presets.presets.filter { $0.name.lowercased().contains(lowered) }.prefix(20).map(\.number.e164)
        }
        return query
    }
}

/// A parameter of `GET /api/calls` that is wrong, and how.
struct CallQueryError: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
