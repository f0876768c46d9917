/// A person in the address book: a name and one or more phone numbers, each with a
/// label as address books write it (`cell`, `work`, `home`; empty when none was given).
public struct Contact: Sendable, Equatable {
    /// One number of a contact.
    public struct Number: Sendable, Equatable {
        public var label: String
        public var number: PhoneNumber
        public init(label: String = "", number: PhoneNumber) {
            self.label = label
            self.number = number
        }
    }

    public var name: String
    public var numbers: [Number]
    /// Free text (vCard NOTE); empty when none.
    public var note: String

    public init(name: String, numbers: [Number], note: String = "") {
        self.name = name
        self.numbers = numbers
        self.note = note
    }
}
