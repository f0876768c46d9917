import CPostgres

/// The rows a statement returned, copied out of libpq's result so the result can be freed at
/// once. Columns are read by name with the type the caller expects; a mismatch is an error
/// naming the column, never a silent conversion.
public struct PostgresRows: Sendable {
    public let columns: [String]
    let types: [UInt32]
    let cells: [[PostgresCell]]
    /// Rows touched by INSERT/UPDATE/DELETE (PQcmdTuples), 0 for others.
    public let affected: Int

    public var count: Int { cells.count }
    public var isEmpty: Bool { cells.isEmpty }

    public subscript(row: Int) -> PostgresRow {
        PostgresRow(rows: self, index: row)
    }

    public var first: PostgresRow? { isEmpty ? nil : self[0] }

    public var all: [PostgresRow] { (0..<count).map { self[$0] } }

    init(result: OpaquePointer) {
        let fieldCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        columns = (0..<fieldCount).map { String(cString: PQfname(result, Int32($0))) }
        types = (0..<fieldCount).map { UInt32(PQftype(result, Int32($0))) }
        var rows: [[PostgresCell]] = []
        rows.reserveCapacity(rowCount)
        for r in 0..<rowCount {
            var row: [PostgresCell] = []
            row.reserveCapacity(fieldCount)
            for c in 0..<fieldCount {
                if PQgetisnull(result, Int32(r), Int32(c)) != 0 {
                    row.append(nil)
                } else {
                    let length = Int(PQgetlength(result, Int32(r), Int32(c)))
                    let value = PQgetvalue(result, Int32(r), Int32(c))
                    row.append(value.map { pointer in
                        pointer.withMemoryRebound(to: UInt8.self, capacity: length) {
                            Array(UnsafeBufferPointer(start: $0, count: length))
                        }
                    } ?? [])
                }
            }
            rows.append(row)
        }
        cells = rows
        affected = Int(String(cString: PQcmdTuples(result))) ?? 0
    }
}

/// One cell in text format; nil is SQL NULL.
typealias PostgresCell = [UInt8]?

/// PostgreSQL type OIDs this layer reads (pg_type.dat).
enum PostgresType {
    static let bool: UInt32 = 16
    static let bytea: UInt32 = 17
    static let int8: UInt32 = 20
    static let int2: UInt32 = 21
    static let int4: UInt32 = 23
    static let text: UInt32 = 25
    static let float4: UInt32 = 700
    static let float8: UInt32 = 701
    static let varchar: UInt32 = 1043
    static let bpchar: UInt32 = 1042
    static let numeric: UInt32 = 1700

    static func name(_ oid: UInt32) -> String {
        switch oid {
        case bool: return "boolean"
        case bytea: return "bytea"
        case int8: return "bigint"
        case int2: return "smallint"
        case int4: return "integer"
        case text: return "text"
        case float4: return "real"
        case float8: return "double precision"
        case varchar: return "varchar"
        case bpchar: return "char"
        case numeric: return "numeric"
        default: return "type \(oid)"
        }
    }
}

/// One row of `PostgresRows`.
public struct PostgresRow: Sendable {
    let rows: PostgresRows
    let index: Int

    private func cell(_ name: String, accepting types: [UInt32], as expected: String) throws -> [UInt8]? {
        guard let column = rows.columns.firstIndex(of: name) else { throw PostgresError.noColumn(name) }
        let type = rows.types[column]
        guard types.contains(type) else {
            throw PostgresError.badColumn(name: name, expected: expected, found: PostgresType.name(type))
        }
        return rows.cells[index][column]
    }

    public func isNull(_ name: String) throws -> Bool {
        guard let column = rows.columns.firstIndex(of: name) else { throw PostgresError.noColumn(name) }
        return rows.cells[index][column] == nil
    }

    /// A text column (text, varchar, char); nil for NULL.
    public func optionalString(_ name: String) throws -> String? {
        try cell(name, accepting: [PostgresType.text, PostgresType.varchar, PostgresType.bpchar], as: "text")
            .map { String(decoding: $0, as: UTF8.self) }
    }

    public func string(_ name: String) throws -> String {
        guard let value = try optionalString(name) else { throw nullError(name, "text") }
        return value
    }

    /// An integer column (smallint, integer, bigint); nil for NULL.
    public func optionalInt(_ name: String) throws -> Int64? {
        guard let bytes = try cell(name, accepting: [PostgresType.int2, PostgresType.int4, PostgresType.int8],
                                   as: "an integer") else { return nil }
        guard let value = Int64(String(decoding: bytes, as: UTF8.self)) else {
            throw PostgresError.badColumn(name: name, expected: "an integer", found: String(decoding: bytes, as: UTF8.self))
        }
        return value
    }

    public func int(_ name: String) throws -> Int64 {
        guard let value = try optionalInt(name) else { throw nullError(name, "an integer") }
        return value
    }

    public func optionalBool(_ name: String) throws -> Bool? {
        try cell(name, accepting: [PostgresType.bool], as: "a boolean").map { $0 == Array("t".utf8) }
    }

    public func bool(_ name: String) throws -> Bool {
        guard let value = try optionalBool(name) else { throw nullError(name, "a boolean") }
        return value
    }

    public func optionalDouble(_ name: String) throws -> Double? {
        guard let bytes = try cell(name, accepting: [PostgresType.float4, PostgresType.float8, PostgresType.numeric],
                                   as: "a number") else { return nil }
        guard let value = Double(String(decoding: bytes, as: UTF8.self)) else {
            throw PostgresError.badColumn(name: name, expected: "a number", found: String(decoding: bytes, as: UTF8.self))
        }
        return value
    }

    public func double(_ name: String) throws -> Double {
        guard let value = try optionalDouble(name) else { throw nullError(name, "a number") }
        return value
    }

    /// A bytea column (text format `\x0a1b...`), decoded; nil for NULL.
    public func optionalBytes(_ name: String) throws -> [UInt8]? {
        guard let bytes = try cell(name, accepting: [PostgresType.bytea], as: "bytea") else { return nil }
        guard let decoded = PostgresRow.decodeHexBytea(bytes) else {
            throw PostgresError.badColumn(name: name, expected: "hex bytea", found: "another bytea output format")
        }
        return decoded
    }

    public func bytes(_ name: String) throws -> [UInt8] {
        guard let value = try optionalBytes(name) else { throw nullError(name, "bytea") }
        return value
    }

    private func nullError(_ name: String, _ expected: String) -> PostgresError {
        .badColumn(name: name, expected: expected, found: "NULL")
    }

    /// The value of one hex digit (either case), or nil.
    static func hexDigit(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// `\x` followed by two hex digits per byte (bytea_output = hex, the default since 9.0).
    static func decodeHexBytea(_ text: [UInt8]) -> [UInt8]? {
        guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else {
            return nil
        }
        var out: [UInt8] = []
        out.reserveCapacity((text.count - 2) / 2)
        var i = 2
        while i < text.count {
            guard let high = hexDigit(text[i]), let low = hexDigit(text[i + 1]) else { return nil }
            out.append(high << 4 | low)
            i += 2
        }
        return out
    }
}
