import Store
import Web

extension CallHistoryRoutes {
    /// Longest list of texts a history search adds.
    static let maxTexts = 20

    /// Sends the history page; with `q` on its first page, the texts that match too
    /// (`"texts":[...]`, newest first: body text in any case, or the other party's digits).
    func answer(_ fields: [(String, JSON)], query: CallQuery, _ responder: Responder) {
        guard let messages, let text = query.text, query.before == nil else { return send(fields, responder) }
        messages.search(numbers: query.numbers, text: text, digits: query.digits ?? "", limit: CallHistoryRoutes.maxTexts) { [self] result in
            switch result {
            case .success(let found): send(fields + [("texts", .array(found.map(\.json)))], responder)
            case .failure(let error):
                logger.error("texts search for \(query.user): \(error)")
                send(fields, responder)
            }
        }
    }

    private func send(_ fields: [(String, JSON)], _ responder: Responder) {
        var response = Response.json(JSON.object(fields).text)
        response.headers.set("Cache-Control", "no-store")
        responder.send(response)
    }
}
