/// Why an address-book file was not imported: every row (vCard or CSV record) that failed,
/// with the line it starts on and the rule it broke. Nothing of a file with errors is
/// imported, so the user fixes the rows and imports the whole file again.
public struct ContactImportError: Error, Equatable, CustomStringConvertible {
    /// One bad row: `line 12: TEL "12" has 2 digits after +1, ...`.
    public struct Row: Sendable, Equatable, CustomStringConvertible {
        public var line: Int
        public var reason: String
        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
        public var description: String { "line \(line): \(reason)" }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    public init(line: Int, _ reason: String) { self.rows = [Row(line: line, reason: reason)] }

    public var description: String { rows.map(\.description).joined(separator: "\n") }
}
