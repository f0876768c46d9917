import Postgres

extension PostgresValue {
    /// The same value for PostgreSQL, so both backends bind one list of columns.
    init(_ value: SQLValue) {
        switch value {
        case .null: self = .null
        case let .int(number): self = .int(number)
        case let .double(number): self = .double(number)
        case let .text(text): self = .text(text)
        case let .blob(bytes): self = .bytes(bytes)
        }
    }
}
