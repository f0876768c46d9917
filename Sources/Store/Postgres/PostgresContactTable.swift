import Postgres

/// `contacts` and `contact_numbers` on PostgreSQL: the same rows and rules as `ContactTable`.
final class PostgresContactTable: ContactRecords, ReadingTable, @unchecked Sendable {
    static let migrations = [
        Migration(7, "contacts tables", """
            CREATE TABLE contacts (
                id bigserial PRIMARY KEY,
                owner_user text,
                owner_number text,
                name text NOT NULL,
                note text NOT NULL,
                created_at bigint NOT NULL,
                updated_at bigint NOT NULL,
                CHECK ((owner_user IS NULL) <> (owner_number IS NULL)),
                CHECK (name <> '')
            );
            CREATE INDEX contacts_by_user ON contacts (owner_user, name);
            CREATE INDEX contacts_by_number ON contacts (owner_number, name);
            CREATE TABLE contact_numbers (
                contact_id bigint NOT NULL REFERENCES contacts (id) ON DELETE CASCADE,
                position integer NOT NULL,
                label text NOT NULL,
                number text NOT NULL,
                PRIMARY KEY (contact_id, position)
            );
            """),
    ]

    let writer: PostgresStoreWriter
    let readers: PostgresStoreReaders?

    init(writer: PostgresStoreWriter, readers: PostgresStoreReaders) {
        self.writer = writer
        self.readers = readers
    }

    static func row(_ row: PostgresRow) throws -> ContactRow {
        ContactRow(id: Int(try row.int("id")), ownerUser: try row.optionalString("owner_user"),
                   ownerNumber: try row.optionalString("owner_number"), name: try row.string("name"),
                   note: try row.string("note"), createdAt: Int(try row.int("created_at")),
                   updatedAt: Int(try row.int("updated_at")), label: try row.optionalString("label"),
                   number: try row.optionalString("number"))
    }

    /// Contacts in scope: `$1` the user, `$2` their numbers comma-separated.
    static let inScope = "(owner_user = $1 OR owner_number = ANY (string_to_array($2, ',')))"

    func list(_ scope: ContactScope, limit: Int, then: @escaping StoreCompletion<[StoredContact]>) {
        read(then) { db in
            ContactRow.assemble(try db.query("""
                SELECT \(ContactRow.columns) FROM contacts c LEFT JOIN contact_numbers n ON n.contact_id = c.id
                WHERE c.id IN (SELECT id FROM contacts WHERE \(PostgresContactTable.inScope) ORDER BY name, id LIMIT $3)
                ORDER BY c.name, c.id, n.position
                """, [.text(scope.user), .text(scope.joinedNumbers), .int(limit)]).all.map(PostgresContactTable.row))
        }
    }

    func add(_ drafts: [ContactDraft], at: Int, then: @escaping StoreCompletion<[StoredContact]>) {
        write(then) { db in
            try drafts.map { draft in
                let owner = draft.owner.columns
                let id = try db.query("""
                    INSERT INTO contacts (owner_user, owner_number, name, note, created_at, updated_at)
                    VALUES ($1, $2, $3, $4, $5, $5) RETURNING id
                    """, [.text(owner.user), .text(owner.number), .text(draft.name), .text(draft.note), .int(at)]).first?.int("id")
                guard let id else { throw StoreError(.other, "contacts: INSERT returned no id") }
                try PostgresContactTable.insertNumbers(draft.numbers, of: Int(id), db)
                return StoredContact(id: Int(id), draft: draft, createdAt: at, updatedAt: at)
            }
        }
    }

    func update(id: Int, _ draft: ContactDraft, scope: ContactScope, at: Int, then: @escaping StoreCompletion<StoredContact?>) {
        write(then) { db in
            let owner = draft.owner.columns
            let created = try db.query("""
                UPDATE contacts SET owner_user = $3, owner_number = $4, name = $5, note = $6, updated_at = $7
                WHERE id = $8 AND \(PostgresContactTable.inScope) RETURNING created_at
                """, [.text(scope.user), .text(scope.joinedNumbers), .text(owner.user), .text(owner.number),
                      .text(draft.name), .text(draft.note), .int(at), .int(id)]).first?.int("created_at")
            guard let created else { return nil }
            try db.query("DELETE FROM contact_numbers WHERE contact_id = $1", [.int(id)])
            try PostgresContactTable.insertNumbers(draft.numbers, of: id, db)
            return StoredContact(id: id, draft: draft, createdAt: Int(created), updatedAt: at)
        }
    }

    func delete(id: Int, scope: ContactScope, then: @escaping StoreCompletion<Bool>) {
        write(then) { db in
            try db.query("DELETE FROM contacts WHERE id = $3 AND \(PostgresContactTable.inScope)",
                         [.text(scope.user), .text(scope.joinedNumbers), .int(id)]).affected == 1
        }
    }

    static func insertNumbers(_ numbers: [ContactNumber], of id: Int, _ db: PostgresConnection) throws {
        for (position, number) in numbers.enumerated() {
            try db.query("INSERT INTO contact_numbers (contact_id, position, label, number) VALUES ($1, $2, $3, $4)",
                         [.int(id), .int(position), .text(number.label), .text(number.number)])
        }
    }
}
