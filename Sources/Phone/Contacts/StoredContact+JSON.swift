import Store

extension StoredContact {
    /// `{"id":1,"name":"…","numbers":[{"label":"cell","number":"+44…"}],"note":"…","sharedOn":"+1…"|null,
    /// "createdAt":…,"updatedAt":…}`: `sharedOn` is the number it is shared on, null when private.
    var json: JSON {
        var sharedOn: String?
        if case .number(let number) = draft.owner { sharedOn = number }
        return JSON.object([
            ("id", .int(id)),
            ("name", .string(draft.name)),
            ("numbers", .array(draft.numbers.map { JSON.object([("label", .string($0.label)), ("number", .string($0.number))]) })),
            ("note", .string(draft.note)),
            ("sharedOn", .string(orNull: sharedOn)),
            ("createdAt", .int(createdAt)),
            ("updatedAt", .int(updatedAt)),
        ])
    }

    /// The contact as the vCard writer takes it (numbers were checked as E.164 when stored).
    var contact: Contact {
        Contact(name: draft.name, numbers: draft.numbers.compactMap { stored in
            (try? PhoneNumber(e164: stored.number)).map { Contact.Number(label: stored.label, number: $0) }
        }, note: draft.note)
    }
}

extension ContactImportError {
    /// `{"error":"…","rows":[{"line":12,"reason":"…"}]}`.
    var json: JSON {
        JSON.object([
            ("error", .string(rows.count == 1 ? "1 row of the file is wrong; nothing was imported"
                              : "\(rows.count) rows of the file are wrong; nothing was imported")),
            ("rows", .array(rows.map { JSON.object([("line", .int($0.line)), ("reason", .string($0.reason))]) })),
        ])
    }
}
