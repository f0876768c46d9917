/// An INI file as written by people: `[section]`, `key = value`, `;` or `#` comments.
/// Keys are case-sensitive; every entry remembers its line so errors can point at it.
///
/// A comment is a line starting with `;` or `#`, or the rest of a line from a `;` or `#` that
/// follows a space or tab inside a value (`alice = +44… ; the office`). A value wrapped in
/// matching quotes (`"…"` or `'…'`, as Python and CherryPy configs write them) is read without
/// them, and a `;` or `#` inside the quotes is kept; each such value leaves a note.
public struct IniFile: Sendable {
    /// One `key = value` line.
    public struct Entry: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int

        public init(key: String, value: String, line: Int) {
            self.key = key
            self.value = value
            self.line = line
        }
    }

    /// One `[name]` section with its entries in file order.
    public struct Section: Sendable {
        public var name: String
        public var line: Int
        public var entries: [Entry]

        public subscript(key: String) -> Entry? { entries.first { $0.key == key } }
        public func value(_ key: String) -> String? { self[key]?.value }
    }

    public let path: String
    public private(set) var sections: [Section] = []
    /// Things read differently from how they were written (quotes removed).
    public private(set) var notes: [ConfigNote] = []

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
                let header = IniFile.withoutComment(Substring(trimmed))
                guard header.hasSuffix("]"), header.count > 2 else {
                    throw ConfigError(path, lineNumber, "section header \"\(trimmed)\" must look like [name]")
                }
                let name = String(header.dropFirst().dropLast()).trimmingASCIISpacesForIni()
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
            let rawValue = Substring(String(trimmed[trimmed.index(after: separator)...]).trimmingASCIISpacesForIni())
            guard !key.isEmpty else { throw ConfigError(path, lineNumber, "empty key before \"=\"") }
            guard let index = current else {
                throw ConfigError(path, lineNumber, "\"\(key)\" is outside any [section]")
            }
            let section = sections[index].name
            let value: String
            if let quoted = IniFile.quotedValue(rawValue) {
                value = quoted
                notes.append(ConfigNote(path, lineNumber, .warning,
                                        "[\(section)] \(key): the quotes around the value were removed (values need no quotes)"))
            } else {
                value = IniFile.withoutComment(rawValue)
            }
            if let previous = sections[index][key] {
                throw ConfigError(path, lineNumber, "[\(section)] \(key) is set twice (first on line \(previous.line))")
            }
            sections[index].entries.append(Entry(key: key, value: value, line: lineNumber))
        }
    }

    /// `value` up to an inline comment: a `;` or `#` after a space or tab (never the first
    /// character, so `open_digits = #9` keeps its `#`), trailing spaces removed.
    static func withoutComment(_ value: Substring) -> String {
        var previous: Character?
        for index in value.indices {
            let character = value[index]
            if character == ";" || character == "#", previous == " " || previous == "\t" {
                return value[..<index].trimmingASCIISpacesForIni()
            }
            previous = character
        }
        return String(value)
    }

    /// The text inside matching quotes, when the whole value (up to a comment) is quoted.
    /// Nil otherwise: `'Sorry,' she said` is a value that merely starts with a quote.
    static func quotedValue(_ value: Substring) -> String? {
        guard let quote = value.first, quote == "\"" || quote == "'" else { return nil }
        let rest = value.dropFirst()
        guard let close = rest.firstIndex(of: quote) else { return nil }
        let after = rest[rest.index(after: close)...]
        // Only a comment (after a space or tab) may follow the closing quote.
        guard after.isEmpty || withoutComment(Substring("x" + after)).trimmingASCIISpacesForIni() == "x" else { return nil }
        return String(rest[..<close])
    }

    // MARK: Rewriting (for reading older config forms)

    /// Renames a section; the caller has checked that `to` does not exist.
    mutating func renameSection(_ from: String, to: String) {
        guard let index = sections.firstIndex(where: { $0.name == from }) else { return }
        sections[index].name = to
    }

    /// Removes and returns a section.
    mutating func removeSection(_ name: String) -> Section? {
        guard let index = sections.firstIndex(where: { $0.name == name }) else { return nil }
        return sections.remove(at: index)
    }

    /// Removes and returns one entry.
    mutating func removeEntry(_ key: String, from section: String) -> Entry? {
        guard let index = sections.firstIndex(where: { $0.name == section }),
              let entryIndex = sections[index].entries.firstIndex(where: { $0.key == key }) else { return nil }
        return sections[index].entries.remove(at: entryIndex)
    }

    /// Sets `key` in `section` (creating the section at the end), replacing any entry of that key.
    mutating func set(_ key: String, _ value: String, line: Int, in section: String) {
        let index: Int
        if let existing = sections.firstIndex(where: { $0.name == section }) {
            index = existing
        } else {
            sections.append(Section(name: section, line: line, entries: []))
            index = sections.count - 1
        }
        let entry = Entry(key: key, value: value, line: line)
        if let entryIndex = sections[index].entries.firstIndex(where: { $0.key == key }) {
            sections[index].entries[entryIndex] = entry
        } else {
            sections[index].entries.append(entry)
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
