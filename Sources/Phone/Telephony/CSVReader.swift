/// Reads CSV as spreadsheets write it (RFC 4180): quoted fields with `""` for a quote,
/// commas or line breaks inside quotes, CRLF or LF, an optional UTF-8 BOM. Each record
/// keeps the line it starts on, so errors can point at it.
public enum CSVReader {
    /// One row: its fields, and the line it starts on.
    public struct Record: Sendable, Equatable {
        public var line: Int
        public var fields: [String]
    }

    /// A field that was never closed: everything from `line` on is lost.
    public struct UnterminatedQuote: Error, Equatable, CustomStringConvertible {
        public var line: Int
        public var description: String { "line \(line): a quoted field is never closed" }
    }

    /// Records in order; blank lines are skipped. `;` is the separator when the first line has
    /// semicolons but no commas (spreadsheets in many European locales write that).
    public static func read(_ text: String) -> (records: [Record], error: UnterminatedQuote?) {
        var scalars = Substring(text).unicodeScalars[...]
        if scalars.first == "\u{FEFF}" { scalars = scalars.dropFirst() }
        let separator = chooseSeparator(scalars)

        var records: [Record] = []
        var fields: [String] = []
        var field = String.UnicodeScalarView()
        var line = 1
        var recordLine = 1
        var inQuotes = false
        var fieldWasQuoted = false
        var index = scalars.startIndex

        func endRecord() {
            fields.append(String(field))
            // A record that is one empty unquoted field is a blank line.
            if !(fields.count == 1 && fields[0].isEmpty && !fieldWasQuoted) {
                records.append(Record(line: recordLine, fields: fields))
            }
            fields = []
            field = String.UnicodeScalarView()
            fieldWasQuoted = false
        }

        while index < scalars.endIndex {
            let scalar = scalars[index]
            index = scalars.index(after: index)
            if inQuotes {
                if scalar == "\"" {
                    if index < scalars.endIndex, scalars[index] == "\"" {
                        field.append("\"")
                        index = scalars.index(after: index)
                    } else {
                        inQuotes = false
                    }
                } else {
                    if scalar == "\n" { line += 1 }
                    field.append(scalar)
                }
                continue
            }
            switch scalar {
            case "\"" where field.isEmpty && !fieldWasQuoted:
                inQuotes = true
                fieldWasQuoted = true
            case separator:
                fields.append(String(field))
                field = String.UnicodeScalarView()
                fieldWasQuoted = false
            case "\r" where index < scalars.endIndex && scalars[index] == "\n":
                continue  // the \n ends the record
            case "\n", "\r":
                endRecord()
                line += 1
                recordLine = line
            default:
                field.append(scalar)
            }
        }
        if inQuotes { return (records, UnterminatedQuote(line: recordLine)) }
        if !field.isEmpty || !fields.isEmpty || fieldWasQuoted { endRecord() }
        return (records, nil)
    }

    private static func chooseSeparator(_ scalars: Substring.UnicodeScalarView.SubSequence) -> Unicode.Scalar {
        var commas = 0
        var semicolons = 0
        var inQuotes = false
        for scalar in scalars {
            if scalar == "\"" { inQuotes.toggle() }
            if inQuotes { continue }
            if scalar == "\n" || scalar == "\r" { break }
            if scalar == "," { commas += 1 }
            if scalar == ";" { semicolons += 1 }
        }
        return commas == 0 && semicolons > 0 ? ";" : ","
    }
}
