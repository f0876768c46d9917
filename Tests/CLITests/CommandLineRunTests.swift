import XCTest
@testable import CLI

/// A command tree shaped like shetphone's: a default subcommand, options with defaults,
/// repeated options, flags, positional arguments, a shared group and nested subcommands.
private struct Root: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tool", abstract: "A test tool.",
        subcommands: [Serve.self, Passwd.self, Remote.self], defaultSubcommand: Serve.self)
}

private struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "serve", abstract: "Run the server.")
    @Option(name: .shortAndLong, help: "The config file.") var config: String?
    @Option(help: "Listen here (repeatable).") var listen: [String] = []
    @Option(help: "Log level.") var logLevel: String = "info"
    @Flag(help: "Run in the background.") var daemon = false
    func run() throws { throw ExitCode(7) }
}

private struct Passwd: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "passwd", abstract: "Set a password.",
                                                    discussion: "The password comes from standard input.")
    @Argument(help: "The file.") var file: String
    @Argument(help: "The user.") var user: String
    @Option(help: "bcrypt cost.") var cost: Int = 10
    func validate() throws {
        guard (4...31).contains(cost) else { throw ValidationError("--cost \(cost) is outside 4-31") }
    }
    func run() throws {}
}

private struct Shared: ParsableArguments {
    @Option(name: .shortAndLong, help: "The config file.") var config: String = "tool.ini"
}

private struct Remote: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Talk to the remote.", subcommands: [Fetch.self])
    struct Fetch: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "fetch", abstract: "Fetch one thing.")
        @OptionGroup var options: Shared
        @Argument(help: "What to fetch.") var sid: String
        @Option(name: .shortAndLong, help: "Where to write it.") var output: String
        @Option(help: "A limit.") var limit: Int?
        func run() throws { throw RunFailed() }
    }
}

private struct RunFailed: Error {}

final class CommandLineRunTests: XCTestCase {
    private let tool = CommandLineRun(root: Root.self)

    private func command<T: ParsableCommand>(_ words: [String], as expected: T.Type) throws -> (T, [String]) {
        guard case let .run(command, path) = tool.parse(words) else {
            XCTFail("\(words) did not parse: \(tool.parse(words))")
            throw RunFailed()
        }
        let typed = try XCTUnwrap(command as? T, "\(words) ran \(type(of: command))")
        return (typed, path)
    }

    private func mistake(_ words: [String]) -> UsageError? {
        if case let .mistake(error, _, _) = tool.parse(words) { return error }
        return nil
    }

    func testNoWordsRunsTheDefaultSubcommandWithItsDefaults() throws {
        let (serve, path) = try command([], as: Serve.self)
        XCTAssertEqual(path, ["tool", "serve"])
        XCTAssertNil(serve.config)
        XCTAssertEqual(serve.listen, [])
        XCTAssertEqual(serve.logLevel, "info")
        XCTAssertFalse(serve.daemon)
    }

    func testOptionsBeforeAnySubcommandGoToTheDefault() throws {
        let (serve, path) = try command(["--config", "a.ini", "--daemon"], as: Serve.self)
        XCTAssertEqual(path, ["tool", "serve"])
        XCTAssertEqual(serve.config, "a.ini")
        XCTAssertTrue(serve.daemon)
    }

    func testEveryOptionSpelling() throws {
        let (serve, _) = try command(["serve", "-c", "a.ini", "--listen=127.0.0.1:1", "--listen", "unix:/s",
                                      "--log-level", "debug"], as: Serve.self)
        XCTAssertEqual(serve.config, "a.ini")
        XCTAssertEqual(serve.listen, ["127.0.0.1:1", "unix:/s"])
        XCTAssertEqual(serve.logLevel, "debug")
        let (attached, _) = try command(["serve", "-cb.ini"], as: Serve.self)
        XCTAssertEqual(attached.config, "b.ini")
    }

    func testPositionalArgumentsInOrderAroundOptions() throws {
        let (passwd, _) = try command(["passwd", "--cost", "5", ".htpasswd", "zed"], as: Passwd.self)
        XCTAssertEqual([passwd.file, passwd.user], [".htpasswd", "zed"])
        XCTAssertEqual(passwd.cost, 5)
        let (after, _) = try command(["passwd", "f", "--cost=6", "u"], as: Passwd.self)
        XCTAssertEqual([after.file, after.user, String(after.cost)], ["f", "u", "6"])
    }

    func testDoubleDashMakesTheRestPositional() throws {
        let (passwd, _) = try command(["passwd", "--", "-file", "--user"], as: Passwd.self)
        XCTAssertEqual([passwd.file, passwd.user], ["-file", "--user"])
    }

    func testADashAloneIsAValue() throws {
        let (fetch, _) = try command(["remote", "fetch", "RE1", "-o", "-"], as: Remote.Fetch.self)
        XCTAssertEqual(fetch.output, "-")
    }

    func testNestedSubcommandWithASharedGroup() throws {
        let (fetch, path) = try command(["remote", "fetch", "-c", "x.ini", "RE1", "--output", "out.mp3",
                                         "--limit", "3"], as: Remote.Fetch.self)
        XCTAssertEqual(path, ["tool", "remote", "fetch"])
        XCTAssertEqual(fetch.options.config, "x.ini")
        XCTAssertEqual(fetch.sid, "RE1")
        XCTAssertEqual(fetch.output, "out.mp3")
        XCTAssertEqual(fetch.limit, 3)
        let (defaults, _) = try command(["remote", "fetch", "RE2", "-o", "f"], as: Remote.Fetch.self)
        XCTAssertEqual(defaults.options.config, "tool.ini")
        XCTAssertNil(defaults.limit)
    }

    func testMistakesNameTheArgument() {
        XCTAssertEqual(mistake(["serve", "--nope"]), .unknownOption("--nope"))
        XCTAssertEqual(mistake(["--nope"]), .unknownOption("--nope"))
        XCTAssertEqual(mistake(["serve", "--config"]), .missingValue(option: "--config"))
        XCTAssertEqual(mistake(["serve", "--config", "--daemon"]), .missingValue(option: "--config"))
        XCTAssertEqual(mistake(["serve", "--daemon=yes"]), .flagWithValue(flag: "--daemon"))
        XCTAssertEqual(mistake(["serve", "extra"]), .unexpectedArgument("extra"))
        XCTAssertEqual(mistake(["passwd", "--cost", "ten", "f", "u"]),
                       .invalidValue(option: "--cost", value: "ten", expected: "a whole number"))
        XCTAssertEqual(mistake(["passwd", "f"]), .missing("<user>"))
        XCTAssertEqual(mistake(["remote", "fetch", "RE1"]), .missing("--output <output>"))
        XCTAssertEqual(mistake(["pasword"]), .unknownCommand("pasword", known: ["serve", "passwd", "remote"]))
        XCTAssertEqual(mistake(["remote", "nope"]), .unknownCommand("nope", known: ["fetch"]))
    }

    func testMistakesExitTwoAndTheCommandsStatusPassesThrough() {
        XCTAssertEqual(tool.run(["serve", "--nope"]), 2)
        XCTAssertEqual(tool.run(["passwd", "--cost", "40", "f", "u"]), 2, "validate() refused it")
        XCTAssertEqual(tool.run(["passwd", "--cost", "12", "f", "u"]), 0)
        XCTAssertEqual(tool.run(["serve"]), 7, "the command's ExitCode")
        XCTAssertEqual(tool.run(["remote", "fetch", "x", "-o", "y"]), 1, "any other error")
    }

    func testMistakeMessageNamesTheArgumentAndShowsUsage() {
        guard case let .mistake(error, usage, path) = tool.parse(["passwd", "f", "u", "--costs", "3"]) else {
            return XCTFail("not a mistake")
        }
        XCTAssertEqual(error.description, "--costs: unknown option")
        XCTAssertEqual(usage, "tool passwd [--cost <cost>] <file> <user>")
        XCTAssertEqual(path, ["tool", "passwd"])
        XCTAssertEqual(UsageError.invalidValue(option: "--cost", value: "ten", expected: "a whole number").description,
                       "--cost \"ten\": must be a whole number")
    }

    func testHelpForTheToolListsEverySubcommand() {
        for words in [["--help"], ["-h"], ["help"]] {
            guard case .help(let text) = tool.parse(words) else { return XCTFail("\(words): no help") }
            XCTAssertTrue(text.hasPrefix("OVERVIEW: A test tool.\n"), text)
            XCTAssertTrue(text.contains("\n  serve (default)"), text)
            XCTAssertTrue(text.contains("\n  passwd "), text)
            XCTAssertTrue(text.contains("\n  remote "), text)
        }
    }

    func testHelpForOneCommand() {
        for words in [["passwd", "--help"], ["help", "passwd"], ["passwd", "f", "-h"]] {
            guard case .help(let text) = tool.parse(words) else { return XCTFail("\(words): no help") }
            XCTAssertTrue(text.contains("USAGE: tool passwd [--cost <cost>] <file> <user>\n"), text)
            XCTAssertTrue(text.contains("The password comes from standard input."), text)
            XCTAssertTrue(text.contains("\n  <file>"), text)
            XCTAssertTrue(text.contains("\n  --cost <cost>"), text)
            XCTAssertTrue(text.contains("-h, --help"), text)
        }
        guard case .help(let serve) = tool.parse(["serve", "--help"]) else { return XCTFail("no help") }
        XCTAssertTrue(serve.contains("-c, --config <config>"), serve)
        XCTAssertTrue(serve.contains("--listen <listen> ..."), serve)
        XCTAssertTrue(serve.contains("--log-level <log-level>"), serve)
    }

    func testNamesAreKebabCase() {
        XCTAssertEqual(ArgumentSlot.kebabCase("logLevel"), "log-level")
        XCTAssertEqual(ArgumentSlot.kebabCase("dryRun"), "dry-run")
        XCTAssertEqual(ArgumentSlot.kebabCase("FetchRecording"), "fetch-recording")
        XCTAssertEqual(ArgumentSlot.kebabCase("TwilioAPI"), "twilio-api")
        XCTAssertEqual(Remote.commandName, "remote")
    }

    func testLongHelpIsWrapped() {
        let line = HelpText.entry("--x", String(repeating: "word ", count: 40))
        let lines = line.split(separator: "\n")
        XCTAssertGreaterThan(lines.count, 1)
        XCTAssertTrue(lines.allSatisfy { $0.count <= HelpText.width }, line)
        XCTAssertTrue(lines.dropFirst().allSatisfy { $0.hasPrefix(String(repeating: " ", count: HelpText.column)) })
    }
}
