/// An INI file as written by people: `[section]`, `key = value`, `;` or `#` comment lines.
/// Keys are case-sensitive; every entry remembers its line so errors can point at it.
public struct IniFile: Sendable {
    /// One `key = value` line.
    public struct Entry: Sendable, Equatable {
        public let key: String
        public let value: String
        public let line: Int
    }

    /// One `[name]` section with its entries in file order.
    public struct Section: Sendable {
        public let name: String
        public let line: Int
        public var entries: [Entry]

        public subscript(key: String) -> Entry? { entries.first { $0.key == key } }
        public func value(_ key: String) -> String? { self[key]?.value }
    }

    public let path: String
    public private(set) var sections: [Section] = []

    public subscript(name: String) -> Section? { sections.first { $0.name == name } }

    /// Parses INI text. `path` only names the file in errors.
    public init(text: String, path: String) throws {
        self.path = path
        var lineNumber = 0
        var current: Int?
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(rawLine)
            if lineNumber == 1, line.hasPrefix("\u{FEFF}") { line = line.dropFirst() }
            if line.hasSuffix("\r") { line = line.dropLast() }
            let trimmed = line.trimmingASCIISpacesForIni()
            if trimmed.isEmpty || trimmed.hasPrefix(";") || trimmed.hasPrefix("#") { continue }
            if let byte = trimmed.utf8.first(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) {
                throw ConfigError(path, lineNumber, "control character 0x\(String(byte, radix: 16)) in line")
            }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw ConfigError(path, lineNumber, "section header \"\(trimmed)\" must look like [name]")
                }
                let name = String(trimmed.dropFirst().dropLast()).trimmingASCIISpacesForIni()
                if let existing = sections.first(where: { $0.name == name }) {
                    throw ConfigError(path, lineNumber, "section [\(name)] appears twice (first on line \(existing.line))")
                }
                sections.append(Section(name: name, line: lineNumber, entries: []))
                current = sections.count - 1
                continue
            }
            guard let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                throw ConfigError(path, lineNumber, "\"\(trimmed.prefix(40))\" is not a key = value line")
            }
            let key = String(trimmed[..<separator]).trimmingASCIISpacesForIni()
            let value = String(trimmed[trimmed.index(after: separator)...]).trimmingASCIISpacesForIni()
            guard !key.isEmpty else { throw ConfigError(path, lineNumber, "empty key before \"=\"") }
            guard let index = current else {
                throw ConfigError(path, lineNumber, "\"\(key)\" is outside any [section]")
            }
            if let previous = sections[index][key] {
                throw ConfigError(path, lineNumber, "[\(sections[index].name)] \(key) is set twice (first on line \(previous.line))")
            }
            sections[index].entries.append(Entry(key: key, value: value, line: lineNumber))
        }
    }
}

/// A configuration problem, named by file and line: `shetphone.ini:12: [numbers] "+44 20" is not an E.164 number`.
public struct ConfigError: Error, CustomStringConvertible, Equatable {
    public let file: String
    public let line: Int
    public let message: String

    public init(_ file: String, _ line: Int, _ message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String { line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)" }
}

extension StringProtocol {
    func trimmingASCIISpacesForIni() -> String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
