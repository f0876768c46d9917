import CLI
import Logging
import Phone
import Store

/// What the store commands share: the config they read the `[store]` section from.
struct StoreOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The config file (default: shetphone.ini in the working directory).")
    var config: String = "shetphone.ini"

    /// The `[store] path` of the config, or exit 1 with the config's error.
    func storePath() throws -> String {
        do {
            let store = try ShetphoneConfig.load(path: config).store
            if store.url != nil {
                // PostgreSQL: `serve` migrates at start; pg_dump backs it up.
                printError("\(config): [store] url is PostgreSQL; this command works on an SQLite [store] path "
                    + "(use pg_dump and psql for PostgreSQL)")
                throw ExitCode(1)
            }
            let path = store.path
            guard path != ":memory:" else {
                printError("\(config): [store] path is :memory:, there is no database file to work on")
                throw ExitCode(1)
            }
            return path
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    /// Opens (and migrates) the store, or exits 1 naming the file and the cause.
    func openStore() throws -> SQLiteStore {
        let path = try storePath()
        var logger = Logger(label: "shetphone")
        logger.logLevel = .warning
        do {
            return try SQLiteStore(path: path, logger: logger, readers: 1)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
