import Glibc

/// A command of the command line: its arguments are declared with `@Option`, `@Flag`,
/// `@Argument` and `@OptionGroup`; `run` does the work. Throw `ExitCode` to end with a status,
/// `ValidationError` (from `validate` or `run`) for a usage mistake (status 2).
public protocol ParsableCommand: ParsableArguments {
    /// Name, help text and subcommands.
    static var configuration: CommandConfiguration { get }
    /// Checks the parsed arguments together before `run` (throw `ValidationError`).
    func validate() throws
    /// Does the command's work.
    func run() throws
}

/// A group of arguments that several commands share (`@OptionGroup var options: StoreOptions`).
public protocol ParsableArguments {
    init()
}

extension ParsableCommand {
    public static var configuration: CommandConfiguration { CommandConfiguration() }

    public func validate() throws {}

    /// A command with subcommands and no work of its own shows its help.
    public func run() throws {
        print(HelpText(path: [Self.commandName], command: Self.self).text, terminator: "")
    }

    /// The name the command is called by: the configuration's, or the type's name in kebab-case
    /// without a `Command` suffix.
    static var commandName: String {
        if let name = configuration.commandName { return name }
        var type = String(describing: Self.self)
        if type.hasSuffix("Command") && type != "Command" { type.removeLast("Command".count) }
        return ArgumentSlot.kebabCase(type)
    }

    /// The entry point of `@main`: parses `CommandLine.arguments`, runs the command, exits.
    public static func main() {
        exit(CommandLineRun(root: Self.self).run(Array(CommandLine.arguments.dropFirst())))
    }
}

/// What `--help` shows of a command, and where its subcommands are.
public struct CommandConfiguration {
    public var commandName: String?
    public var abstract: String
    public var discussion: String
    public var subcommands: [any ParsableCommand.Type]
    public var defaultSubcommand: (any ParsableCommand.Type)?

    public init(commandName: String? = nil, abstract: String = "", discussion: String = "",
                subcommands: [any ParsableCommand.Type] = [], defaultSubcommand: (any ParsableCommand.Type)? = nil) {
        self.commandName = commandName
        self.abstract = abstract
        self.discussion = discussion
        self.subcommands = subcommands
        self.defaultSubcommand = defaultSubcommand
    }
}

/// Ends the command with this process status (`throw ExitCode(1)` after printing the reason).
public struct ExitCode: Error, Equatable {
    public let rawValue: Int32
    public init(_ rawValue: Int32) { self.rawValue = rawValue }
    public static let success = ExitCode(0)
    public static let failure = ExitCode(1)
    /// A usage mistake: an unknown or malformed argument.
    public static let usage = ExitCode(2)
}

/// Arguments that parse but do not make sense together; shown with the usage, status 2.
public struct ValidationError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
