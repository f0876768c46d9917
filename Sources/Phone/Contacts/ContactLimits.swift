/// Bounds on an imported address book: a stranger's file costs at most this much.
public struct ContactLimits: Sendable, Equatable {
    /// Bytes of one file (a vCard export of a few thousand people is well under this).
    public var maxFileBytes = 2 * 1024 * 1024
    /// Contacts in one file.
    public var maxContacts = 5000
    /// Numbers on one contact.
    public var maxNumbersPerContact = 20
    /// Characters of a name.
    public var maxNameLength = 200
    /// Characters of a note; a longer NOTE is cut here.
    public var maxNoteLength = 1000
    /// Bad rows listed before the report stops counting.
    public var maxReportedRows = 100

    public init() {}
}
