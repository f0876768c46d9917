/// Reads contacts from CSV as spreadsheets and address books export it: with a header row
/// (a `name` column and one or more number columns: `number`, `phone`, `mobile`, `work`...,
/// each header becoming the number's label) or without one (name, number, label). A file
/// with any bad row imports nothing: the error lists every bad row with its line.
public enum ContactsCSV {
    /// Header words that mark a column of phone numbers; the generic ones give no label.
    static let numberHeaders: [String: String] = [
        "number": "", "phone": "", "phone number": "", "telephone": "", "tel": "",
        "mobile": "cell", "cell": "cell", "mobile phone": "cell", "work": "work", "work phone": "work",
        "home": "home", "home phone": "home",
    ]
    static let nameHeaders: Set<String> = ["name", "full name", "display name", "contact"]

    public static func read(_ text: String, defaultCallingCode: Int? = nil,
                            limits: ContactLimits = ContactLimits()) -> Result<[Contact], ContactImportError> {
        let bytes = text.utf8.count
        if bytes > limits.maxFileBytes {
            return .failure(ContactImportError(line: 1, "the file has \(bytes) bytes; at most \(limits.maxFileBytes) are read"))
        }
        let (records, unterminated) = CSVReader.read(text)
        var problems = VCardReader.Problems(limit: limits.maxReportedRows)
        if let unterminated { problems.add(unterminated.line, "a quoted field is never closed") }
        guard let first = records.first else {
            if problems.rows.isEmpty { problems.add(1, "the file has no rows") }
            return .failure(ContactImportError(rows: problems.rows))
        }
        let columns = Columns(header: first.fields)
        var contacts: [Contact] = []
        for record in columns.hasHeader ? records.dropFirst() : records[...] {
            let name = columns.field(record.fields, columns.name).trimmingASCIISpacesForIni()
            var numbers: [Contact.Number] = []
            var bad = false
            for (index, label) in columns.numbers {
                let typed = columns.field(record.fields, index).trimmingASCIISpacesForIni()
                if typed.isEmpty { continue }
                do {
                    let number = try PhoneNumber(parsing: typed, defaultCallingCode: defaultCallingCode)
                    if !numbers.contains(where: { $0.number == number }) {
                        let rowLabel = columns.label.map { columns.field(record.fields, $0).trimmingASCIISpacesForIni().lowercased() }
                        numbers.append(Contact.Number(label: rowLabel ?? label, number: number))
                    }
                } catch {
                    problems.add(record.line, "\(error)")
                    bad = true
                }
            }
            if name.isEmpty {
                problems.add(record.line, "no name")
            } else if name.count > limits.maxNameLength {
                problems.add(record.line, "the name has \(name.count) characters; at most \(limits.maxNameLength)")
            } else if numbers.isEmpty && !bad {
                problems.add(record.line, "\"\(name.prefix(60))\" has no phone number")
            } else if !bad {
                if contacts.count == limits.maxContacts {
                    problems.add(record.line, "more than \(limits.maxContacts) contacts in one file")
                } else {
                    contacts.append(Contact(name: name, numbers: numbers))
                }
            }
        }
        if contacts.isEmpty && problems.rows.isEmpty { problems.add(1, "the file has no contacts") }
        return problems.rows.isEmpty ? .success(contacts) : .failure(ContactImportError(rows: problems.rows))
    }

    /// Which column holds what: from the header row, or name, number, label without one.
    struct Columns {
        var hasHeader = false
        var name = 0
        var numbers: [(Int, String)] = [(1, "")]
        var label: Int? = 2

        init(header: [String]) {
            let words = header.map { $0.trimmingASCIISpacesForIni().lowercased() }
            guard let nameColumn = words.firstIndex(where: { ContactsCSV.nameHeaders.contains($0) }) else { return }
            let numberColumns = words.enumerated().compactMap { index, word in
                ContactsCSV.numberHeaders[word].map { (index, $0) }
            }
            guard !numberColumns.isEmpty else { return }
            hasHeader = true
            name = nameColumn
            numbers = numberColumns
            label = words.firstIndex(of: "label")
        }

        func field(_ fields: [String], _ index: Int) -> String {
            index < fields.count ? fields[index] : ""
        }
    }
}
