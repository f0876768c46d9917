/// Reads address books exported as vCard 3.0 (RFC 2426) or 4.0 (RFC 6350): folded lines,
/// groups (`item1.TEL`), `TYPE` parameters in either version's spelling, `tel:` URIs and
/// text escapes. Keeps each card's name (FN, else N) and phone numbers (TEL); other
/// properties are read past. A file with any bad card imports nothing: the error lists
/// every bad card or number with its line.
public enum VCardReader {
    public static func read(_ text: String, defaultCallingCode: Int? = nil,
                            limits: ContactLimits = ContactLimits()) -> Result<[Contact], ContactImportError> {
        let bytes = text.utf8.count
        if bytes > limits.maxFileBytes {
            return .failure(ContactImportError(line: 1, "the file has \(bytes) bytes; at most \(limits.maxFileBytes) are read"))
        }
        var problems = Problems(limit: limits.maxReportedRows)
        var contacts: [Contact] = []
        var card: CardInProgress?

        for line in logicalLines(text) {
            guard let property = ContentLine(line.text) else {
                problems.add(line.number, "\"\(line.text.prefix(40))\" is not a vCard line (NAME:value)")
                continue
            }
            switch property.name {
            case "BEGIN" where property.value.uppercased() == "VCARD":
                if let open = card {
                    problems.add(open.line, "the card has no END:VCARD before the next BEGIN:VCARD (line \(line.number))")
                }
                card = CardInProgress(line: line.number)
            case "END" where property.value.uppercased() == "VCARD":
                guard let done = card else {
                    problems.add(line.number, "END:VCARD without a BEGIN:VCARD")
                    continue
                }
                card = nil
                switch done.contact(limits: limits) {
                case .success(let contact):
                    if contacts.count == limits.maxContacts {
                        problems.add(done.line, "more than \(limits.maxContacts) contacts in one file")
                    } else {
                        contacts.append(contact)
                    }
                case .failure(let error):
                    for row in error.rows { problems.add(row.line, row.reason) }
                }
            default:
                guard card != nil else {
                    problems.add(line.number, "\(property.name) outside BEGIN:VCARD … END:VCARD")
                    continue
                }
                card?.take(property, line: line.number, defaultCallingCode: defaultCallingCode)
            }
        }
        if let open = card { problems.add(open.line, "the card has no END:VCARD") }
        if contacts.isEmpty && problems.rows.isEmpty {
            problems.add(1, "no vCard in the file (BEGIN:VCARD … END:VCARD)")
        }
        return problems.rows.isEmpty ? .success(contacts) : .failure(ContactImportError(rows: problems.rows))
    }

    /// Physical lines joined where a line starts with a space or tab (RFC 6350 §3.2),
    /// each numbered by the line it starts on; blank lines dropped.
    static func logicalLines(_ text: String) -> [(number: Int, text: String)] {
        var result: [(number: Int, text: String)] = []
        var number = 0
        // "\r\n" is one Character in Swift: split on both spellings of a line end.
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            number += 1
            var line = raw
            if line.last == "\r" { line = line.dropLast() }
            if number == 1, line.first == "\u{FEFF}" { line = line.dropFirst() }
            if let first = line.first, first == " " || first == "\t", !result.isEmpty {
                result[result.count - 1].text += line.dropFirst()
            } else if !line.allSatisfy({ $0 == " " || $0 == "\t" }) {
                result.append((number, String(line)))
            }
        }
        return result
    }

    /// The card between BEGIN and END, as read so far.
    struct CardInProgress {
        let line: Int
        var version = ""
        var versionLine = 0
        var formattedName = ""
        var structuredName = ""
        var note = ""
        var numbers: [Contact.Number] = []
        var problems: [ContactImportError.Row] = []

        init(line: Int) { self.line = line }

        mutating func take(_ property: ContentLine, line: Int, defaultCallingCode: Int?) {
            switch property.name {
            case "VERSION":
                version = property.value.trimmingASCIISpacesForIni()
                versionLine = line
            case "FN":
                formattedName = unescapeText(property.value).trimmingASCIISpacesForIni()
            case "NOTE":
                note = unescapeText(property.value, lineBreak: "\n").trimmingASCIISpacesForIni()
            case "N":
                // family;given;additional;prefixes;suffixes -> "given additional family"
                let parts = splitUnescaped(property.value, on: ";").map { unescapeText($0).trimmingASCIISpacesForIni() }
                let ordered = [parts.count > 3 ? parts[3] : "", parts.count > 1 ? parts[1] : "",
                               parts.count > 2 ? parts[2] : "", parts[0], parts.count > 4 ? parts[4] : ""]
                structuredName = ordered.filter { !$0.isEmpty }.joined(separator: " ")
            case "TEL":
                var value = property.value.trimmingASCIISpacesForIni()
                if value.lowercased().hasPrefix("tel:") {
                    value = String(value.dropFirst(4))
                    // tel:+1-555-555-0100;ext=102 -> the number; the extension is not dialled here.
                    if let semicolon = value.firstIndex(of: ";") { value = String(value[..<semicolon]) }
                }
                do {
                    let number = try PhoneNumber(parsing: value, defaultCallingCode: defaultCallingCode)
                    if !numbers.contains(where: { $0.number == number }) {
                        numbers.append(Contact.Number(label: property.label, number: number))
                    }
                } catch let error as PhoneNumberError {
                    problems.append(.init(line: line, reason: "TEL \(error)"))
                } catch {
                    problems.append(.init(line: line, reason: "TEL \"\(value.prefix(40))\" is not a phone number"))
                }
            default:
                break
            }
        }

        func contact(limits: ContactLimits) -> Result<Contact, ContactImportError> {
            var rows = problems
            if version.isEmpty {
                rows.append(.init(line: line, reason: "the card has no VERSION (3.0 or 4.0)"))
            } else if version != "3.0" && version != "4.0" {
                rows.append(.init(line: versionLine, reason: "VERSION \(version.prefix(10)) is not read (vCard 3.0 or 4.0)"))
            }
            let name = formattedName.isEmpty ? structuredName : formattedName
            if name.isEmpty {
                rows.append(.init(line: line, reason: "the card has no name (FN or N)"))
            } else if name.count > limits.maxNameLength {
                rows.append(.init(line: line, reason: "the name has \(name.count) characters; at most \(limits.maxNameLength)"))
            }
            if numbers.isEmpty && problems.isEmpty {
                rows.append(.init(line: line, reason: "\(name.isEmpty ? "the card" : "\"\(name.prefix(60))\"") has no phone number (TEL)"))
            }
            if numbers.count > limits.maxNumbersPerContact {
                rows.append(.init(line: line, reason: "\(numbers.count) numbers on one card; at most \(limits.maxNumbersPerContact)"))
            }
            return rows.isEmpty ? .success(Contact(name: name, numbers: numbers, note: String(note.prefix(limits.maxNoteLength)))) : .failure(ContactImportError(rows: rows))
        }
    }

    /// `group.NAME;PARAM=a,b;PARAM="x":value` (RFC 6350 §3.3).
    struct ContentLine {
        var name: String
        var types: [String]
        var value: String

        init?(_ line: String) {
            // The first colon outside a quoted parameter value ends the name and parameters.
            var inQuotes = false
            var colon: String.Index?
            for index in line.indices {
                let character = line[index]
                if character == "\"" { inQuotes.toggle() }
                if character == ":" && !inQuotes { colon = index; break }
            }
            guard let colon else { return nil }
            let head = line[..<colon]
            value = String(line[line.index(after: colon)...])
            var parts = head.split(separator: ";", omittingEmptySubsequences: false)
            guard !parts.isEmpty else { return nil }
            var fullName = parts.removeFirst()
            if let dot = fullName.lastIndex(of: ".") { fullName = fullName[fullName.index(after: dot)...] }
            guard !fullName.isEmpty, fullName.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else { return nil }
            name = fullName.uppercased()
            types = []
            for parameter in parts {
                let pair = parameter.split(separator: "=", maxSplits: 1)
                if pair.count == 2, pair[0].uppercased() == "TYPE" {
                    let unquoted = pair[1].filter { $0 != "\"" }
                    types += unquoted.split(separator: ",").map { $0.lowercased() }
                } else if pair.count == 1 {
                    types.append(pair[0].lowercased())  // vCard 2.1 habit (TEL;CELL:), still seen in 3.0 exports
                }
            }
        }

        /// The first type that says which phone it is (`cell`, `work`...), not how it is used.
        var label: String {
            types.first { !["voice", "pref", "text", "msg", "video", "internet"].contains($0) && !$0.hasPrefix("x-") } ?? ""
        }
    }

    /// Bad rows in file order, at most `limit` of them.
    struct Problems {
        let limit: Int
        var rows: [ContactImportError.Row] = []
        mutating func add(_ line: Int, _ reason: String) {
            if rows.count < limit { rows.append(.init(line: line, reason: reason)) }
        }
    }
}

/// `\,` `\;` `\\` and `\n` as vCard text values escape them; a line break becomes `lineBreak`
/// (a space in a name, a real line break in a note).
func unescapeText(_ text: String, lineBreak: String = " ") -> String {
    var out = ""
    var escaped = false
    for character in text {
        if escaped {
            switch character {
            case "n", "N": out.append(lineBreak)
            default: out.append(character)
            }
            escaped = false
        } else if character == "\\" {
            escaped = true
        } else {
            out.append(character)
        }
    }
    return out
}

/// Splits on `separator` where it is not escaped with a backslash (the escapes stay for unescapeText).
func splitUnescaped(_ text: String, on separator: Character) -> [String] {
    var parts: [String] = []
    var current = ""
    var escaped = false
    for character in text {
        if escaped {
            current.append("\\")
            current.append(character)
            escaped = false
        } else if character == "\\" {
            escaped = true
        } else if character == separator {
            parts.append(current)
            current = ""
        } else {
            current.append(character)
        }
    }
    parts.append(current)
    return parts
}
