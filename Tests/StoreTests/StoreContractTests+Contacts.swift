import Store
import XCTest

/// The address book on every backend: scopes, whole-or-nothing imports, updates and deletes.
/// Each backend names these checks in `test...` methods of its own below: Linux's test discovery
/// runs a subclass of `StoreContractTests` only when it declares a test itself (and then runs
/// the inherited contract with it); without one, `swift test` ran none of the contract.
extension StoreContractTests {
    func checkContactsAreSeenAndChangedOnlyInTheirScope() throws {
        let store = try openStore()
        let alice = ContactScope(user: "alice", numbers: ["+15005550006"])
        let bob = ContactScope(user: "bob", numbers: ["+15005550007"])
        let carol = ContactScope(user: "carol", numbers: ["+15005550006"])
        let added = try wait { store.contacts.add([
            ContactDraft(owner: .number("+15005550006"), name: "Shared Plumber",
                         numbers: [ContactNumber(label: "cell", number: "+442071234567"), ContactNumber(number: "+15551230000")],
                         note: "comes on Tuesdays"),
            ContactDraft(owner: .user("alice"), name: "Alice's Doctor", numbers: [ContactNumber(label: "work", number: "+4930123456")]),
            ContactDraft(owner: .user("bob"), name: "Bob's Mother", numbers: []),
        ], at: 100, then: $0) }
        XCTAssertEqual(Set(added.map(\.id)).count, 3)
        XCTAssertEqual(try wait { store.contacts.list(alice, limit: 100, then: $0) }, [added[1], added[0]])
        XCTAssertEqual(try wait { store.contacts.list(carol, limit: 100, then: $0) }, [added[0]])
        XCTAssertEqual(try wait { store.contacts.list(bob, limit: 100, then: $0) }, [added[2]])
        XCTAssertEqual(try wait { store.contacts.list(alice, limit: 1, then: $0) }, [added[1]])

        // Bob can neither change nor delete what is not his; the rows stay as they were.
        var changed = added[0].draft
        changed.name = "Taken"
        changed.numbers = [ContactNumber(number: "+15559990000")]
        XCTAssertNil(try wait { store.contacts.update(id: added[0].id, changed, scope: bob, at: 200, then: $0) })
        XCTAssertFalse(try wait { store.contacts.delete(id: added[1].id, scope: bob, then: $0) })
        XCTAssertFalse(try wait { store.contacts.delete(id: added[1].id, scope: carol, then: $0) })

        // Carol shares the number: she may change the shared contact; its numbers are replaced.
        let updated = try wait { store.contacts.update(id: added[0].id, changed, scope: carol, at: 300, then: $0) }
        XCTAssertEqual(updated, StoredContact(id: added[0].id, draft: changed, createdAt: 100, updatedAt: 300))
        XCTAssertTrue(try wait { store.contacts.delete(id: added[1].id, scope: alice, then: $0) })
        store.close()

        let reopened = try openStore()
        defer { reopened.close() }
        XCTAssertEqual(try wait { reopened.contacts.list(alice, limit: 100, then: $0) }, [updated])
    }

    func checkAnImportThatFailsKeepsNothing() throws {
        let store = try openStore()
        defer { store.close() }
        let scope = ContactScope(user: "alice", numbers: [])
        let good = ContactDraft(owner: .user("alice"), name: "Kept", numbers: [ContactNumber(number: "+15551230000")])
        // The table refuses a contact without a name: the import holding it keeps none of its contacts.
        let nameless = ContactDraft(owner: .user("alice"), name: "", numbers: [])
        XCTAssertThrowsError(try wait { store.contacts.add([good, good, nameless], at: 1, then: $0) }) { error in
            XCTAssertEqual((error as? StoreError)?.kind, .constraint)
        }
        XCTAssertEqual(try wait { store.contacts.list(scope, limit: 100, then: $0) }, [])
        let kept = try wait { store.contacts.add([good], at: 2, then: $0) }
        XCTAssertEqual(try wait { store.contacts.list(scope, limit: 100, then: $0) }, kept)
    }
}

extension SQLiteStoreContractTests {
    func testContactsAreSeenAndChangedOnlyInTheirScope() throws { try checkContactsAreSeenAndChangedOnlyInTheirScope() }
    func testAnImportThatFailsKeepsNothing() throws { try checkAnImportThatFailsKeepsNothing() }
}

extension PostgresStoreContractTests {
    func testContactsAreSeenAndChangedOnlyInTheirScope() throws { try checkContactsAreSeenAndChangedOnlyInTheirScope() }
    func testAnImportThatFailsKeepsNothing() throws { try checkAnImportThatFailsKeepsNothing() }
}
