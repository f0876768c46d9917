import Store

/// A contact as the dialer sends it (`POST /api/contacts`, `PUT /api/contacts/{id}`):
/// `{"name":"…","numbers":[{"label":"cell","number":"020 7123 4567"}],"note":"…","sharedOn":"+1…"|null}`.
/// Numbers may be written as people write them; they are kept in E.164. Errors name the field.
struct ContactInput {
    /// Longest label (40 characters); the note's bound is `ContactLimits.maxNoteLength`.
    static let maxLabelLength = 40

    /// The draft for `scope`; `sharedOn` must be one of the user's numbers.
    static func draft(_ body: [UInt8], scope: ContactScope, defaultCallingCode: Int?,
                      limits: ContactLimits = ContactLimits()) throws -> ContactDraft {
        let json: JSON
        do { json = try JSONParser.parse(body) } catch { throw ContactInputError("the body is not JSON: \(error)") }
        guard case .object = json else { throw ContactInputError("the body must be a JSON object") }
        guard let name = json["name"]?.stringValue?.trimmingASCIISpacesForIni(), !name.isEmpty else {
            throw ContactInputError("name: a contact needs a name")
        }
        guard name.count <= limits.maxNameLength else { throw ContactInputError("name: longer than \(limits.maxNameLength) characters") }
        let note = json["note"]?.stringValue ?? ""
        guard note.count <= limits.maxNoteLength else { throw ContactInputError("note: longer than \(limits.maxNoteLength) characters") }
        guard let written = json["numbers"]?.arrayValue else { throw ContactInputError("numbers: must be a list") }
        guard written.count <= limits.maxNumbersPerContact else {
            throw ContactInputError("numbers: more than \(limits.maxNumbersPerContact)")
        }
        let numbers = try written.enumerated().map { index, entry -> ContactNumber in
            let label = entry["label"]?.stringValue ?? ""
            guard label.count <= maxLabelLength else { throw ContactInputError("numbers[\(index)].label: longer than \(maxLabelLength) characters") }
            guard let text = entry["number"]?.stringValue else { throw ContactInputError("numbers[\(index)].number: missing") }
            do {
                return ContactNumber(label: label, number: try PhoneNumber(parsing: text, defaultCallingCode: defaultCallingCode).e164)
            } catch {
                throw ContactInputError("numbers[\(index)]: \(error)")
            }
        }
        return ContactDraft(owner: try owner(json["sharedOn"], scope: scope), name: name, numbers: numbers, note: note)
    }

    /// Private to the user without `sharedOn` (or null); else shared on that number of theirs.
    static func owner(_ sharedOn: JSON?, scope: ContactScope) throws -> ContactOwner {
        guard let sharedOn, !sharedOn.isNull else { return .user(scope.user) }
        guard let number = sharedOn.stringValue, scope.numbers.contains(number) else {
            throw ContactInputError("sharedOn: must be one of your numbers (\(scope.numbers.joined(separator: ", ")))")
        }
        return .number(number)
    }
}

/// What is wrong with a contact sent to the API (400), naming the field.
struct ContactInputError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
