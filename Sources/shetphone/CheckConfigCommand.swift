import ArgumentParser
import Logging
import Phone

/// `shetphone check-config FILE`: loads the config the way `serve` would and reports the first error.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a shetphone.ini (and the files it names) without starting the server."
    )

    @Argument(help: "The config file to check.")
    var file: String

    func run() throws {
        var logger = Logger(label: "shetphone")
        logger.logLevel = .warning
        do {
            let config = try ShetphoneConfig.load(path: file)
            let app = try PhoneApp(config: config, logger: logger, dryRun: true)
            for line in app.identityReport() { print(line) }
            print("\(file): OK")
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
