/// One row of the contacts-joined-with-numbers query both backends run: a contact's columns
/// and one of its numbers (none for a contact without numbers). `assemble` folds them back
/// into contacts, in the order the rows came.
struct ContactRow {
    var id: Int
    var ownerUser: String?
    var ownerNumber: String?
    var name: String
    var note: String
    var createdAt: Int
    var updatedAt: Int
    var label: String?
    var number: String?

    /// The columns every contacts query selects, in this order.
    static let columns = """
        c.id, c.owner_user, c.owner_number, c.name, c.note, c.created_at, c.updated_at, n.label, n.number
        """

    var owner: ContactOwner {
        if let ownerUser { return .user(ownerUser) }
        return .number(ownerNumber ?? "")
    }

    static func assemble(_ rows: [ContactRow]) -> [StoredContact] {
        var contacts: [StoredContact] = []
        for row in rows {
            if contacts.last?.id != row.id {
                contacts.append(StoredContact(id: row.id, draft: ContactDraft(owner: row.owner, name: row.name, numbers: [], note: row.note),
                                              createdAt: row.createdAt, updatedAt: row.updatedAt))
            }
            if let number = row.number {
                contacts[contacts.count - 1].draft.numbers.append(ContactNumber(label: row.label ?? "", number: number))
            }
        }
        return contacts
    }
}

extension ContactOwner {
    /// The `owner_user` and `owner_number` columns: exactly one is set.
    var columns: (user: String?, number: String?) {
        switch self {
        case .user(let user): return (user, nil)
        case .number(let number): return (nil, number)
        }
    }
}
