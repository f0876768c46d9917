/// One statement parameter ($1, $2, ...). Text values are sent in PostgreSQL's text format and
/// bytes in binary, so a value is never spliced into SQL.
public enum PostgresValue: Equatable, Sendable {
    case null
    case text(String)
    case int(Int64)
    case bool(Bool)
    case double(Double)
    case bytes([UInt8])

    /// The bytes sent for this value (nil for NULL) and whether they are binary.
    var wire: (bytes: [UInt8]?, binary: Bool) {
        switch self {
        case .null: return (nil, false)
        case let .text(value): return (Array(value.utf8), false)
        case let .int(value): return (Array(String(value).utf8), false)
        case let .bool(value): return (Array((value ? "t" : "f").utf8), false)
        case let .double(value): return (Array(String(value).utf8), false)
        case let .bytes(value): return (value, true)
        }
    }
}

extension PostgresValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral {
    public init(stringLiteral value: String) { self = .text(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }

    /// `.text(value)`, or NULL for nil.
    public static func text(_ value: String?) -> PostgresValue { value.map { .text($0) } ?? .null }
    /// `.int(value)`, or NULL for nil.
    public static func int(_ value: Int?) -> PostgresValue { value.map { .int(Int64($0)) } ?? .null }

    /// A one-dimensional array in PostgreSQL's text form (`{"a","b",NULL}`), for a `$n::text[]`
    /// or `$n::bigint[]` parameter: every element quoted, so no element is ever read as syntax.
    public static func array(_ elements: [String?]) -> PostgresValue {
        var literal: [UInt8] = [UInt8(ascii: "{")]
        for (index, element) in elements.enumerated() {
            if index > 0 { literal.append(UInt8(ascii: ",")) }
            guard let element else {
                literal += Array("NULL".utf8)
                continue
            }
            literal.append(UInt8(ascii: "\""))
            for byte in element.utf8 {
                if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { literal.append(UInt8(ascii: "\\")) }
                literal.append(byte)
            }
            literal.append(UInt8(ascii: "\""))
        }
        literal.append(UInt8(ascii: "}"))
        return .text(String(decoding: literal, as: UTF8.self))
    }

    /// `array` of integers (NULL for nil).
    public static func array(_ elements: [Int?]) -> PostgresValue {
        array(elements.map { $0.map { String($0) } })
    }
}
