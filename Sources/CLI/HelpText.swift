/// The `--help` text of a command: overview, usage, positional arguments, options, subcommands.
struct HelpText {
    /// The command's words from the program name on (`shetphone twilio-api check`).
    let path: [String]
    let command: any ParsableCommand.Type

    /// Width the text is wrapped to.
    static let width = 80
    /// Where the help column starts.
    static let column = 30

    var text: String {
        let configuration = command.configuration
        let slots = ArgumentSlot.slots(of: command.init())
        var out = ""
        if !configuration.abstract.isEmpty { out += "OVERVIEW: " + configuration.abstract + "\n\n" }
        if !configuration.discussion.isEmpty { out += HelpText.wrap(configuration.discussion, indent: 0) + "\n\n" }
        out += "USAGE: " + HelpText.usage(path: path, command: command, slots: slots) + "\n"
        let positionals = slots.filter { $0.kind == .positional }
        if !positionals.isEmpty {
            out += "\nARGUMENTS:\n"
            for slot in positionals { out += HelpText.entry(slot.synopsis, slot.help) }
        }
        out += "\nOPTIONS:\n"
        for slot in slots where slot.kind != .positional {
            let names = (slot.shortName.map { $0 + ", " } ?? "") + slot.synopsis + (slot.isRepeated ? " ..." : "")
            out += HelpText.entry(names, slot.help)
        }
        out += HelpText.entry("-h, --help", "Show this help.")
        if !configuration.subcommands.isEmpty {
            out += "\nSUBCOMMANDS:\n"
            for sub in configuration.subcommands {
                let isDefault = configuration.defaultSubcommand.map { ObjectIdentifier($0) == ObjectIdentifier(sub) } ?? false
                out += HelpText.entry(sub.commandName + (isDefault ? " (default)" : ""), sub.configuration.abstract)
            }
            out += "\nSee '\(path.joined(separator: " ")) COMMAND --help' for a command's options.\n"
        }
        return out
    }

    /// `shetphone serve [--config <config>] [--listen <listen> ...] [--daemon]`.
    static func usage(path: [String], command: any ParsableCommand.Type, slots: [ArgumentSlot]) -> String {
        var words = path
        for slot in slots where slot.kind != .positional {
            let text = slot.synopsis + (slot.isRepeated ? " ..." : "")
            words.append(slot.isRequired ? text : "[" + text + "]")
        }
        words += slots.filter { $0.kind == .positional }.map(\.synopsis)
        if !command.configuration.subcommands.isEmpty { words.append("COMMAND") }
        return words.joined(separator: " ")
    }

    /// One aligned line (or more, wrapped) of the options or subcommands list.
    static func entry(_ name: String, _ help: String) -> String {
        let lead = "  " + name
        guard !help.isEmpty else { return lead + "\n" }
        if lead.count + 2 <= column {
            let padded = lead + String(repeating: " ", count: column - lead.count)
            return padded + wrap(help, indent: column).dropFirst(column) + "\n"
        }
        return lead + "\n" + wrap(help, indent: column) + "\n"
    }

    /// `text` in lines of at most `width` characters, each indented by `indent` spaces.
    static func wrap(_ text: String, indent: Int) -> String {
        let margin = String(repeating: " ", count: indent)
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !line.isEmpty && indent + line.count + 1 + word.count > width {
                lines.append(margin + line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        lines.append(margin + line)
        return lines.joined(separator: "\n")
    }
}
