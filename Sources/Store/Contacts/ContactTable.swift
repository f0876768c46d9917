/// `contacts` and `contact_numbers`: the address book, each contact private to a user or
/// shared on one of our numbers, its numbers in their own rows (in the order given).
final class ContactTable: ContactRecords, ReadingTable, @unchecked Sendable {
    static let migrations = [
        Migration(7, "contacts tables", """
            CREATE TABLE contacts (
                id INTEGER PRIMARY KEY,
                owner_user TEXT,
                owner_number TEXT,
                name TEXT NOT NULL,
                note TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                updated_at INTEGER NOT NULL,
                CHECK ((owner_user IS NULL) <> (owner_number IS NULL)),
                CHECK (name <> '')
            );
            CREATE INDEX contacts_by_user ON contacts (owner_user, name);
            CREATE INDEX contacts_by_number ON contacts (owner_number, name);
            CREATE TABLE contact_numbers (
                contact_id INTEGER NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
                position INTEGER NOT NULL,
                label TEXT NOT NULL,
                number TEXT NOT NULL,
                PRIMARY KEY (contact_id, position)
            ) WITHOUT ROWID;
            """),
    ]

    let writer: StoreWriter
    let readers: StoreReaders?

    init(writer: StoreWriter, readers: StoreReaders?) {
        self.writer = writer
        self.readers = readers
    }

    static func row(_ row: SQLiteRow) -> ContactRow {
        ContactRow(id: row.int(0), ownerUser: row.optionalText(1), ownerNumber: row.optionalText(2), name: row.text(3),
                   note: row.text(4), createdAt: row.int(5), updatedAt: row.int(6), label: row.optionalText(7),
                   number: row.optionalText(8))
    }

    /// Contacts in scope: `?1` the user, `?2` their numbers as `,a,b,`.
    static let inScope = "(owner_user = ?1 OR instr(?2, ',' || owner_number || ',') > 0)"

    func list(_ scope: ContactScope, limit: Int, then: @escaping StoreCompletion<[StoredContact]>) {
        read(then) { db in
            ContactRow.assemble(try db.statement("""
                SELECT \(ContactRow.columns) FROM contacts c LEFT JOIN contact_numbers n ON n.contact_id = c.id
                WHERE c.id IN (SELECT id FROM contacts WHERE \(ContactTable.inScope) ORDER BY name, id LIMIT ?3)
                ORDER BY c.name, c.id, n.position
                """).rows([.text(scope.user), .text("," + scope.joinedNumbers + ","), .int(limit)], ContactTable.row))
        }
    }

    func add(_ drafts: [ContactDraft], at: Int, then: @escaping StoreCompletion<[StoredContact]>) {
        write(then) { db in
            try drafts.map { draft in
                let owner = draft.owner.columns
                try db.statement("""
                    INSERT INTO contacts (owner_user, owner_number, name, note, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)
                    """).run([.text(owner.user), .text(owner.number), .text(draft.name), .text(draft.note), .int(at), .int(at)])
                let id = db.lastInsertRowID
                try ContactTable.insertNumbers(draft.numbers, of: id, db)
                return StoredContact(id: id, draft: draft, createdAt: at, updatedAt: at)
            }
        }
    }

    func update(id: Int, _ draft: ContactDraft, scope: ContactScope, at: Int, then: @escaping StoreCompletion<StoredContact?>) {
        write(then) { db in
            let owner = draft.owner.columns
            let created = try db.statement("""
                UPDATE contacts SET owner_user = ?3, owner_number = ?4, name = ?5, note = ?6, updated_at = ?7
                WHERE id = ?8 AND \(ContactTable.inScope) RETURNING created_at
                """).first([.text(scope.user), .text("," + scope.joinedNumbers + ","), .text(owner.user), .text(owner.number),
                            .text(draft.name), .text(draft.note), .int(at), .int(id)]) { $0.int(0) }
            guard let created else { return nil }
            try db.statement("DELETE FROM contact_numbers WHERE contact_id = ?").run([.int(id)])
            try ContactTable.insertNumbers(draft.numbers, of: id, db)
            return StoredContact(id: id, draft: draft, createdAt: created, updatedAt: at)
        }
    }

    func delete(id: Int, scope: ContactScope, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.statement("DELETE FROM contacts WHERE id = ?3 AND \(ContactTable.inScope)")
                .run([.text(scope.user), .text("," + scope.joinedNumbers + ","), .int(id)]) == 1
        }
    }

    static func insertNumbers(_ numbers: [ContactNumber], of id: Int, _ db: SQLiteConnection) throws {
        for (position, number) in numbers.enumerated() {
            try db.statement("INSERT INTO contact_numbers (contact_id, position, label, number) VALUES (?, ?, ?, ?)")
                .run([.int(id), .int(position), .text(number.label), .text(number.number)])
        }
    }
}
