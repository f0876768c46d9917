/// An ordered list of HTTP header fields with case-insensitive lookup by name.
public struct HTTPHeaders: Sendable, Sequence {
    public private(set) var fields: [(name: String, value: String)] = []

    public init() {}

    public init(_ fields: [(String, String)]) {
        self.fields = fields.map { (name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }

    public func makeIterator() -> IndexingIterator<[(name: String, value: String)]> {
        fields.makeIterator()
    }

    /// The first value of `name`, or nil.
    public subscript(name: String) -> String? {
        for field in fields where asciiCaseInsensitiveEquals(field.name, name) {
            return field.value
        }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [String] {
        fields.filter { asciiCaseInsensitiveEquals($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Appends a field, keeping any others with that name (Set-Cookie needs this).
    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field called `name` with one.
    public mutating func set(_ name: String, _ value: String) {
        remove(name)
        fields.append((name: name, value: value))
    }

    /// Empties the list; `keepingCapacity` keeps its storage for the next fields (when unshared).
    mutating func removeAll(keepingCapacity: Bool) {
        fields.removeAll(keepingCapacity: keepingCapacity)
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { asciiCaseInsensitiveEquals($0.name, name) }
    }

    /// True when a comma-separated header (`Connection`, `Accept-Encoding`...) lists `token`.
    public func hasToken(_ name: String, _ token: String) -> Bool {
        for value in values(name) {
            for part in value.split(separator: ",") {
                var item = part.trimmingASCIISpaces()
                if let semicolon = item.firstIndex(of: ";") { item = item[..<semicolon].trimmingASCIISpaces() }
                if asciiCaseInsensitiveEquals(String(item), token) { return true }
            }
        }
        return false
    }
}

@inline(__always)
func asciiLower(_ byte: UInt8) -> UInt8 {
    (byte >= 0x41 && byte <= 0x5A) ? byte | 0x20 : byte
}

/// ASCII case-insensitive comparison, as HTTP field names and tokens need.
public func asciiCaseInsensitiveEquals(_ a: String, _ b: String) -> Bool {
    // Most names asked for differ in length: no access to the bytes for those.
    guard a.utf8.count == b.utf8.count else { return false }
    var a = a, b = b
    return a.withUTF8 { ua in
        b.withUTF8 { ub in
            guard ua.count == ub.count else { return false }
            for i in 0..<ua.count where asciiLower(ua[i]) != asciiLower(ub[i]) { return false }
            return true
        }
    }
}

extension Substring {
    func trimmingASCIISpaces() -> Substring {
        var s = self[...]
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

extension String {
    func trimmingASCIISpaces() -> String { String(self[...].trimmingASCIISpaces()) }
}
