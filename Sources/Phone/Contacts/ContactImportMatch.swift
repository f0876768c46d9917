import Store

/// Which contacts of an import are already kept, so importing one file twice keeps one copy.
///
/// The rule: an imported contact is the same as a kept one of the same owner (the user, or the
/// number it is shared on) when their names are equal ignoring case and spacing (`JOHN  smith`
/// is `John Smith`) and they have at least one number in common (E.164, so `020 7946 0018` and
/// `+44 20 7946 0018` are one). Within one file, the first of two such contacts is kept.
/// vCard `UID`s are not stored, so they play no part.
struct ContactImportMatch {
    /// Normalised name -> the number sets of the contacts with that name.
    private var kept: [String: [Set<String>]] = [:]

    /// `existing`: the owner's contacts already stored.
    init(existing: [ContactDraft]) {
        for draft in existing { remember(draft) }
    }

    /// True when `draft` is not one already kept (or seen earlier in the file); it is then
    /// remembered, so its twin later in the file is not new.
    mutating func isNew(_ draft: ContactDraft) -> Bool {
        let numbers = Set(draft.numbers.map(\.number))
        if kept[Self.nameKey(draft.name), default: []].contains(where: { !$0.isDisjoint(with: numbers) }) { return false }
        remember(draft)
        return true
    }

    /// The name with letters lowercased and runs of white space as one space, trimmed.
    static func nameKey(_ name: String) -> String {
        name.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    private mutating func remember(_ draft: ContactDraft) {
        kept[Self.nameKey(draft.name), default: []].append(Set(draft.numbers.map(\.number)))
    }
}
