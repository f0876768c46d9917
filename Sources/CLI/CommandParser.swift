/// Fills one command's argument slots from its words of the command line: options and flags in
/// any order (`--name VALUE`, `--name=VALUE`, `-n VALUE`, `-nVALUE`), positional arguments in
/// declaration order, and everything after `--` positional. Returns whether help was asked for.
struct CommandParser {
    let slots: [ArgumentSlot]

    /// Parses `words` into the slots; true when `-h`/`--help` was among the options.
    func parse(_ words: [String]) throws -> Bool {
        let positionals = slots.filter { $0.kind == .positional }
        var nextPositional = 0
        var onlyPositionals = false
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            if onlyPositionals || !CommandParser.looksLikeOption(word) {
                guard nextPositional < positionals.count else { throw UsageError.unexpectedArgument(word) }
                let slot = positionals[nextPositional]
                guard slot.take(word) else { throw UsageError.invalidValue(option: slot.synopsis, value: word, expected: slot.expected) }
                if !slot.isRepeated { nextPositional += 1 }
                continue
            }
            if word == "--" {
                onlyPositionals = true
                continue
            }
            if word == "--help" || word == "-h" { return true }
            let (name, attached) = CommandParser.split(word)
            guard let slot = slot(named: name) else { throw UsageError.unknownOption(name) }
            if slot.kind == .flag {
                guard attached == nil else { throw UsageError.flagWithValue(flag: name) }
                _ = slot.take("")
                continue
            }
            let value: String
            if let attached {
                value = attached
            } else if index < words.count, !isOption(words[index]) {
                value = words[index]
                index += 1
            } else {
                throw UsageError.missingValue(option: name)
            }
            guard slot.take(value) else { throw UsageError.invalidValue(option: name, value: value, expected: slot.expected) }
        }
        for slot in slots where slot.isRequired && !slot.isSet {
            throw UsageError.missing(slot.synopsis)
        }
        return false
    }

    private func slot(named name: String) -> ArgumentSlot? {
        slots.first { $0.kind != .positional && ($0.longName == name || $0.shortName == name) }
    }

    /// A word that names one of this command's options (or `--`, `-h`): it cannot be a value.
    private func isOption(_ word: String) -> Bool {
        guard CommandParser.looksLikeOption(word) else { return false }
        if word == "--" || word == "--help" || word == "-h" || word.hasPrefix("--") { return true }
        return slot(named: CommandParser.split(word).name) != nil
    }

    /// `--x`, `-x`, `--`; not `-` (standard input or output) and not a negative number.
    static func looksLikeOption(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count > 1 else { return false }
        return Int(word) == nil
    }

    /// `--name=value` -> (`--name`, `value`); `-cFILE` -> (`-c`, `FILE`).
    static func split(_ word: String) -> (name: String, value: String?) {
        if word.hasPrefix("--") {
            guard let equals = word.firstIndex(of: "=") else { return (word, nil) }
            return (String(word[..<equals]), String(word[word.index(after: equals)...]))
        }
        let name = String(word.prefix(2))
        var rest = word.dropFirst(2)
        if rest.first == "=" { rest = rest.dropFirst() }
        return (name, word.count > 2 ? String(rest) : nil)
    }
}
