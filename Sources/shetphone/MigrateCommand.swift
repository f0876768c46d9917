import CLI
import Logging
import Store

/// `shetphone migrate`: brings the database to this binary's schema (serve does it too, at start).
struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the database's pending schema migrations ([store] path or url), or show them with --dry-run."
    )

    @OptionGroup var options: StoreOptions

    @Flag(name: .long, help: "Only show the current version and what would be applied.")
    var dryRun = false

    func run() throws {
        let location = try options.storeLocation()
        do {
            if dryRun {
                let name: String, current: Int, pending: [Migration]
                switch location {
                case .file(let path):
                    name = path
                    (current, pending) = try SQLiteStore.pendingMigrations(path: path)
                case .postgres(let url):
                    name = url.redacted
                    (current, pending) = try PostgresStore.pendingMigrations(url: url)
                }
                print("\(name): schema version \(current) of \(SQLiteStore.latestSchemaVersion)")
                for migration in pending { print("would apply \(migration.version): \(migration.name)") }
                return
            }
            var logger = Logger(label: "shetphone")
            logger.logLevel = .warning
            let (name, applied): (String, [Migration])
            switch location {
            case .file(let path):
                let store = try SQLiteStore(path: path, logger: logger, readers: 1)
                (name, applied) = (path, store.applied)
                store.close()
            case .postgres(let url):
                let store = try PostgresStore(url: url, logger: logger, poolSize: 1)
                (name, applied) = (url.redacted, store.applied)
                store.close()
            }
            for migration in applied { print("applied \(migration.version): \(migration.name)") }
            print("\(name): schema version \(SQLiteStore.latestSchemaVersion), up to date")
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
