import Postgres

extension StoreError {
    /// The store's view of a PostgreSQL fault, for `concern` (`calls: merge`): a lost or refused
    /// connection is `.unavailable` (webhooks answer 503 and Twilio retries), a constraint is
    /// `.constraint`, a full disk `.diskFull`; the message names the server, never the password.
    init(_ error: PostgresError, server: String, concern: String) {
        let kind: Kind
        switch error {
        case .connect, .connectionLost, .closed:
            kind = .unavailable
        case let .statement(_, state, _):
            if error.isConnectionProblem {
                kind = .unavailable
            } else if state.hasPrefix("23") {
                kind = .constraint
            } else if state == "53100" {
                kind = .diskFull
            } else if state == "40001" || state == "40P01" || state == "55P03" {
                kind = .locked
            } else {
                kind = .other
            }
        default:
            kind = .other
        }
        // Connection errors name the server already.
        let text = "\(error)"
        self.init(kind, text.contains(server) ? "store: \(concern): \(text)" : "\(server): \(concern): \(text)")
    }

    /// Any error thrown by a job on PostgreSQL, as a StoreError.
    static func from(_ error: Error, server: String, concern: String) -> StoreError {
        if let storeError = error as? StoreError { return storeError }
        if let postgres = error as? PostgresError { return StoreError(postgres, server: server, concern: concern) }
        return StoreError(.other, "\(server): \(concern): \(error)")
    }
}
