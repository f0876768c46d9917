import CLI
import Logging
import Store

/// `shetphone migrate`: brings the database to this binary's schema (serve does it too, at start).
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database's pending schema migrations ([store] path), or show them with --dry-run."
    )

    @OptionGroup var options: StoreOptions

    @Flag(name: .long, help: "Only show the current version and what would be applied.")
    var dryRun = false

    func run() throws {
        let path = try options.storePath()
        do {
            if dryRun {
                let (current, pending) = try SQLiteStore.pendingMigrations(path: path)
                print("\(path): schema version \(current) of \(SQLiteStore.latestSchemaVersion)")
                for migration in pending { print("would apply \(migration.version): \(migration.name)") }
                return
            }
            var logger = Logger(label: "shetphone")
            logger.logLevel = .warning
            let store = try SQLiteStore(path: path, logger: logger, readers: 1)
            defer { store.close() }
            for migration in store.applied { print("applied \(migration.version): \(migration.name)") }
            print("\(path): schema version \(SQLiteStore.latestSchemaVersion), up to date")
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
