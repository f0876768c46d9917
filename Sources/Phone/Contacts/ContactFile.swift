/// An imported address-book file, vCard or CSV, told apart by its content: a vCard file
/// starts with BEGIN:VCARD (after any byte-order mark and blank lines), anything else is CSV.
public enum ContactFile {
    public static func read(_ text: String, defaultCallingCode: Int? = nil,
                            limits: ContactLimits = ContactLimits()) -> Result<[Contact], ContactImportError> {
        let start = text.drop { $0 == "\u{FEFF}" || $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" }
        if start.prefix(11).uppercased() == "BEGIN:VCARD" {
            return VCardReader.read(text, defaultCallingCode: defaultCallingCode, limits: limits)
        }
        return ContactsCSV.read(text, defaultCallingCode: defaultCallingCode, limits: limits)
    }
}
