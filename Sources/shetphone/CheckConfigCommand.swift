import CLI
import Phone

/// `shetphone check-config FILE`: reads the config the way `serve` would, prints every
/// translation and warning, and checks the files it names. It builds no app, starts no thread
/// and writes no file, so it works on a read-only folder.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a shetphone.ini (and the files it names) without starting the server.",
        discussion: "Prints what was read differently from how it was written (keys of the original "
            + "Shetphone or the intercom, TWILIO_* environment variables), then warnings, then OK or the first error."
    )

    @Argument(help: "The config file to check.")
    var file: String

    func run() throws {
        let config: ShetphoneConfig
        do {
            config = try ShetphoneConfig.load(path: file)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        for message in config.messages { print(message) }
        let check = InstallationCheck(config: config)
        for line in check.identities { print(line) }
        for warning in check.warnings { print(warning) }
        if let error = check.errors.first {
            printError("\(error)")
            throw ExitCode(1)
        }
        print("\(file): OK")
    }
}
