/// Changes `key = value` lines of one section in INI text and leaves every other byte alone
/// (comments, order, blank lines), for commands that write settings back into the owner's file.
public enum IniEdit {
    /// `text` with each (key, value) set in `[section]`: an existing line of the key (or of one
    /// of its `aliases`, such as the original Shetphone's `application_sid`) is replaced; a new
    /// key goes after the section's last entry; a missing section is added at the end.
    public static func setting(_ values: [(key: String, value: String)], in section: String, of text: String,
                               aliases: [String: [String]] = [:]) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var pending = values
        var inSection = false
        var lastEntry: Int?
        var headerLine: Int?
        for index in lines.indices {
            let trimmed = lines[index].trimmingASCIISpacesForIni()
            if trimmed.hasPrefix("[") {
                if inSection { break }
                let name = IniFile.withoutComment(Substring(trimmed)).dropFirst().dropLast().trimmingASCIISpacesForIni()
                inSection = name == section
                if inSection { headerLine = index }
                continue
            }
            guard inSection, !trimmed.isEmpty, !trimmed.hasPrefix(";"), !trimmed.hasPrefix("#"),
                  let separator = trimmed.firstIndex(where: { $0 == "=" || $0 == ":" }) else { continue }
            lastEntry = index
            let key = String(trimmed[..<separator]).trimmingASCIISpacesForIni()
            if let found = pending.firstIndex(where: { $0.key == key || (aliases[$0.key] ?? []).contains(key) }) {
                lines[index] = "\(pending[found].key) = \(pending[found].value)"
                pending.remove(at: found)
            }
        }
        let added = pending.map { "\($0.key) = \($0.value)" }
        guard !added.isEmpty else { return lines.joined(separator: "\n") }
        if let at = lastEntry ?? headerLine {
            lines.insert(contentsOf: added, at: at + 1)
        } else {
            if lines.last == "" { lines.removeLast() }
            lines += ["", "[\(section)]"] + added + [""]
        }
        return lines.joined(separator: "\n")
    }
}
