/// Whose a contact is: everyone on one of our numbers (E.164) shares it, or one user keeps it
/// to themselves.
public enum ContactOwner: Sendable, Equatable {
    case number(String)
    case user(String)
}

/// One number of a stored contact, with the label an address book gave it (`cell`; may be empty).
public struct ContactNumber: Sendable, Equatable {
    public var label: String
    /// E.164.
    public var number: String

    public init(label: String = "", number: String) {
        self.label = label
        self.number = number
    }
}

/// A contact as written by a user or an import, before the store gives it an id.
public struct ContactDraft: Sendable, Equatable {
    public var owner: ContactOwner
    public var name: String
    public var numbers: [ContactNumber]
    public var note: String

    public init(owner: ContactOwner, name: String, numbers: [ContactNumber], note: String = "") {
        self.owner = owner
        self.name = name
        self.numbers = numbers
        self.note = note
    }
}

/// A kept contact: its draft, its id, and when it was made and last changed (Unix seconds).
public struct StoredContact: Sendable, Equatable {
    public var id: Int
    public var draft: ContactDraft
    public var createdAt: Int
    public var updatedAt: Int

    public init(id: Int, draft: ContactDraft, createdAt: Int, updatedAt: Int) {
        self.id = id
        self.draft = draft
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// What one user may see and change: their private contacts and those shared on their numbers.
public struct ContactScope: Sendable, Equatable {
    public var user: String
    /// The user's numbers (E.164).
    public var numbers: [String]

    public init(user: String, numbers: [String]) {
        self.user = user
        self.numbers = numbers
    }

    public func includes(_ owner: ContactOwner) -> Bool {
        switch owner {
        case .user(let name): return name == user
        case .number(let number): return numbers.contains(number)
        }
    }

    /// The numbers as one comma-separated text, so one statement serves any count of numbers.
    var joinedNumbers: String { numbers.joined(separator: ",") }
}

/// The address book. Every change names the scope it is made in: a contact outside it is
/// neither seen nor changed (the answer is as if it did not exist).
public protocol ContactRecords: Sendable {
    /// The contacts in `scope`, by name, at most `limit`.
    func list(_ scope: ContactScope, limit: Int, then: @escaping StoreCompletion<[StoredContact]>)
    /// Keeps all of `drafts` in one transaction (an import is whole or nothing); `then` gets them with their ids.
    func add(_ drafts: [ContactDraft], at: Int, then: @escaping StoreCompletion<[StoredContact]>)
    /// Replaces contact `id` with `draft`; nil when there is no such contact in `scope`.
    func update(id: Int, _ draft: ContactDraft, scope: ContactScope, at: Int, then: @escaping StoreCompletion<StoredContact?>)
    /// False when there is no such contact in `scope`.
    func delete(id: Int, scope: ContactScope, then: @escaping StoreCompletion<Bool>)
}
