import Glibc

/// One run of a command tree over a command line: finds the subcommand, parses its arguments,
/// validates and runs it, and turns the outcome into the process status: 0, the command's
/// `ExitCode`, 2 for a usage mistake (the message names the argument, then the usage line),
/// 1 for any other error.
public struct CommandLineRun {
    let root: any ParsableCommand.Type

    public init(root: any ParsableCommand.Type) { self.root = root }

    /// What a command line asks for, before anything runs.
    public enum Parsed {
        /// Run this command (its arguments are filled in).
        case run(any ParsableCommand, path: [String])
        /// Print this help text (status 0).
        case help(String)
        /// A usage mistake of the command at `path`.
        case mistake(UsageError, usage: String, path: [String])
    }

    /// Resolves `arguments` (without the program name) to a command and parses its arguments.
    public func parse(_ arguments: [String]) -> Parsed {
        var command: any ParsableCommand.Type = root
        var path = [root.commandName]
        var words = arguments
        let asksForHelp = words.first == "help" && CommandLineRun.subcommand(named: "help", of: root) == nil
        if asksForHelp { words.removeFirst() }
        while let word = words.first, let sub = CommandLineRun.subcommand(named: word, of: command) {
            command = sub
            path.append(word)
            words.removeFirst()
        }
        if asksForHelp { return .help(HelpText(path: path, command: command).text) }
        let configuration = command.configuration
        if !configuration.subcommands.isEmpty {
            if let word = words.first, word == "--help" || word == "-h" {
                return .help(HelpText(path: path, command: command).text)
            }
            if let word = words.first, !CommandParser.looksLikeOption(word) || configuration.defaultSubcommand == nil {
                let error: UsageError = CommandParser.looksLikeOption(word)
                    ? .unknownOption(word) : .unknownCommand(word, known: configuration.subcommands.map { $0.commandName })
                return .mistake(error, usage: HelpText.usage(path: path, command: command, slots: []), path: path)
            }
            if words.isEmpty && configuration.defaultSubcommand == nil {
                return .help(HelpText(path: path, command: command).text)
            }
            if let fallback = configuration.defaultSubcommand {
                command = fallback
                path.append(fallback.commandName)
            }
        }
        return parseArguments(of: command, path: path, words: words)
    }

    private func parseArguments(of command: any ParsableCommand.Type, path: [String], words: [String]) -> Parsed {
        let instance = command.init()
        let slots = ArgumentSlot.slots(of: instance)
        do {
            if try CommandParser(slots: slots).parse(words) {
                return .help(HelpText(path: path, command: command).text)
            }
        } catch {
            let usage = HelpText.usage(path: path, command: command, slots: slots)
            return .mistake(error as? UsageError ?? .invalid("\(error)"), usage: usage, path: path)
        }
        return .run(instance, path: path)
    }

    private static func subcommand(named name: String, of command: any ParsableCommand.Type) -> (any ParsableCommand.Type)? {
        command.configuration.subcommands.first { $0.commandName == name }
    }

    /// Parses, validates and runs; returns the process status.
    public func run(_ arguments: [String]) -> Int32 {
        switch parse(arguments) {
        case .help(let text):
            print(text, terminator: "")
            return 0
        case let .mistake(error, usage, path):
            return CommandLineRun.report(error, usage: usage, path: path)
        case let .run(command, path):
            do {
                try command.validate()
                try command.run()
                return 0
            } catch let exit as ExitCode {
                return exit.rawValue
            } catch let invalid as ValidationError {
                let usage = HelpText.usage(path: path, command: type(of: command), slots: ArgumentSlot.slots(of: command))
                return CommandLineRun.report(.invalid(invalid.description), usage: usage, path: path)
            } catch {
                CommandLineRun.printError("\(path.joined(separator: " ")): \(error)")
                return 1
            }
        }
    }

    private static func report(_ error: UsageError, usage: String, path: [String]) -> Int32 {
        printError("\(path.joined(separator: " ")): \(error)\nUsage: \(usage)\nSee '\(path.joined(separator: " ")) --help'.")
        return ExitCode.usage.rawValue
    }

    static func printError(_ text: String) {
        let line = text + "\n"
        fputs(line, stderr)
    }
}
