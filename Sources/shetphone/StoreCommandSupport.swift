import CLI
import Logging
import Phone
import Postgres
import Store

/// What the store commands share: the config they read the `[store]` section from.
struct StoreOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "The config file (default: shetphone.ini in the working directory).")
    var config: String = "shetphone.ini"

    /// Where the config keeps the store: an SQLite file or a PostgreSQL URL.
    enum Location {
        case file(String)
        case postgres(PostgresURL)
    }

    /// The `[store]` of the config (`url` or `path`), or exit 1 with the config's error.
    func storeLocation() throws -> Location {
        do {
            if let url = try ShetphoneConfig.load(path: config).store.url { return .postgres(try PostgresURL(url)) }
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        return .file(try storePath())
    }

    /// The `[store] path` of the config, or exit 1 with the config's error.
    func storePath() throws -> String {
        do {
            let store = try ShetphoneConfig.load(path: config).store
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

    /// Opens (and migrates) the store, SQLite or PostgreSQL, or exits 1 naming it and the cause.
    func openStore() throws -> PhoneStore {
        let location = try storeLocation()
        var logger = Logger(label: "shetphone")
        logger.logLevel = .warning
        do {
            switch location {
            case .file(let path): return try SQLiteStore(path: path, logger: logger, readers: 1)
            case .postgres(let url): return try PostgresStore(url: url, logger: logger, poolSize: 1)
            }
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
