/// A JSON value with ordered object keys, written out as compact RFC 8259 text.
///
/// Every JSON body and WebSocket event the app sends is built from these, so that
/// escaping lives in one place. Object keys keep the order they were given in
/// (clients and tests read fields in a stable order).
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case let (.bool(a), .bool(b)): return a == b
        case let (.int(a), .int(b)): return a == b
        case let (.double(a), .double(b)): return a == b
        case let (.int(a), .double(b)), let (.double(b), .int(a)): return Double(a) == b
        case let (.string(a), .string(b)): return a == b
        case let (.array(a), .array(b)): return a == b
        case let (.object(a), .object(b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// `.string(value)`, or `.null` when the value is nil.
    public static func string(orNull value: String?) -> JSON {
        value.map(JSON.string) ?? .null
    }

    /// `.int(value)`, or `.null` when the value is nil.
    public static func int(orNull value: Int?) -> JSON {
        value.map(JSON.int) ?? .null
    }

    // MARK: reading

    /// The value of `key` in an object (the last one, as browsers do with duplicates), else nil.
    public subscript(key: String) -> JSON? {
        guard case let .object(members) = self else { return nil }
        return members.last(where: { $0.0 == key })?.1
    }

    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    /// The number as an Int when it is integral and in range (`30` and `30.0` both give 30).
    public var intValue: Int? {
        switch self {
        case let .int(i): return i
        case let .double(d):
            guard d.isFinite, d.rounded() == d, d >= -9.0e15, d <= 9.0e15 else { return nil }
            return Int(d)
        default: return nil
        }
    }

    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    public var arrayValue: [JSON]? {
        if case let .array(a) = self { return a }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    // MARK: writing

    /// Compact JSON text (no spaces), ready for a response body or a WebSocket frame.
    public var text: String {
        var out = ""
        write(to: &out)
        return out
    }

    public func write(to out: inout String) {
        switch self {
        case .null: out += "null"
        case let .bool(b): out += b ? "true" : "false"
        case let .int(i): out += String(i)
        case let .double(d):
            // JSON has no NaN or infinities; null is what JavaScript's JSON.stringify writes too.
            if !d.isFinite {
                out += "null"
            } else if d.rounded() == d, abs(d) < 1e15 {
                out += String(Int(d))
            } else {
                out += String(d)
            }
        case let .string(s): JSON.writeString(s, to: &out)
        case let .array(items):
            out += "["
            for (index, item) in items.enumerated() {
                if index > 0 { out += "," }
                item.write(to: &out)
            }
            out += "]"
        case let .object(members):
            out += "{"
            for (index, (key, value)) in members.enumerated() {
                if index > 0 { out += "," }
                JSON.writeString(key, to: &out)
                out += ":"
                value.write(to: &out)
            }
            out += "}"
        }
    }

    /// A quoted JSON string. Control characters are escaped as RFC 8259 requires, and
    /// U+2028/U+2029 too: they are legal JSON but end a line in older JavaScript.
    public static func quoted(_ string: String) -> String {
        var out = ""
        writeString(string, to: &out)
        return out
    }

    static func writeString(_ string: String, to out: inout String) {
        // Fast path: printable ASCII without a quote or backslash is written as it is.
        if string.utf8.allSatisfy({ $0 >= 0x20 && $0 <= 0x7E && $0 != 0x22 && $0 != 0x5C }) {
            out += "\""
            out += string
            out += "\""
            return
        }
        out.unicodeScalars.append("\"")
        for scalar in string.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\u{2028}": out += "\\u2028"
            case "\u{2029}": out += "\\u2029"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F {
                    out += "\\u00"
                    out.unicodeScalars.append(hexDigit(scalar.value >> 4))
                    out.unicodeScalars.append(hexDigit(scalar.value & 0xF))
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out.unicodeScalars.append("\"")
    }

    private static func hexDigit(_ value: UInt32) -> Unicode.Scalar {
        let digits: [Unicode.Scalar] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "a", "b", "c", "d", "e", "f"]
        return digits[Int(value & 0xF)]
    }
}

extension JSON: CustomStringConvertible {
    public var description: String { text }
}

extension JSON: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByNilLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    /// Dictionary literals keep their written order, unlike `[String: Any]`.
    public init(dictionaryLiteral elements: (String, JSON)...) { self = .object(elements) }
}
