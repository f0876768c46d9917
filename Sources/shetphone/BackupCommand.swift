import CLI
import Store

/// `shetphone backup FILE`: a consistent copy of the database, safe while the server runs.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database to FILE: SQLite's online backup of [store] path, or pg_dump of [store] url (safe while serving)."
    )

    @OptionGroup var options: StoreOptions

    @Argument(help: "The new file to write (must not exist).")
    var file: String

    func run() throws {
        let store = try options.openStore()
        defer { store.close() }
        do {
            try store.backup(to: file)
            print("\(store.location) -> \(file): backed up")
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
