import CLI
import Glibc
import Logging
import Phone
import Postgres
import Store

/// `shetphone grant`: starts, ends or shows the intercom's grant period in the store (for cron
/// and home automation), also while servers run on it: they notice within about a second.
struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Open the door for everyone for a while, end that, or show it (in the store the servers share).",
        discussion: """
            --minutes N opens the door for the next N minutes (from now, replacing the end of a \
            running grant), at most [intercom] max_grant_minutes. --end ends it. Without an option, \
            or with --status, it shows the grant. A running server picks the change up within a second \
            and tells the open dialers.
            """
    )

    @Option(name: .shortAndLong, help: "The config file (default: shetphone.ini in the working directory).")
    var config: String = "shetphone.ini"

    @Option(name: .long, help: "Open the door for everyone for this many minutes from now.")
    var minutes: Int?

    @Flag(name: .long, help: "End the running grant now.")
    var end = false

    @Flag(name: .long, help: "Show the grant (the default).")
    var status = false

    func validate() throws {
        let chosen = [minutes != nil, end, status].filter { $0 }.count
        guard chosen <= 1 else { throw ValidationError("use only one of --minutes, --end and --status") }
    }

    func run() throws {
        let settings: IntercomSettings
        let store: PhoneStore
        do {
            let loaded = try ShetphoneConfig.load(path: config)
            settings = loaded.intercom
            var logger = Logger(label: "shetphone")
            logger.logLevel = .warning
            if let url = loaded.store.url {
                store = try PostgresStore(url: PostgresURL(url), logger: logger, poolSize: 1)
            } else {
                store = try SQLiteStore(path: loaded.store.path, logger: logger, readers: 1)
            }
            // Before its first start on the store, the server's old state file is still the truth.
            try IntercomStateImport(directory: loaded.app.stateDir).importOnce(into: store.intercom, logger: logger)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        defer { store.close() }
        let records = store.intercom
        let now = Int(time(nil))
        do {
            let running = IntercomState(stored: try records.loadNow(openingLimit: 0)).activeGrant(at: now)
            // Unannounced: the server leading the intercom tells the dialers within about a second.
            if let minutes {
                guard (1...settings.maxGrantMinutes).contains(minutes) else {
                    printError("--minutes \(minutes): must be a whole number from 1 to \(settings.maxGrantMinutes) ([intercom] max_grant_minutes)")
                    throw ExitCode(2)
                }
                let grant = running.map { GrantPeriod(startedAt: $0.startedAt, until: now + minutes * 60, by: $0.by) }
                    ?? GrantPeriod.starting(at: now, minutes: minutes, by: "cli")
                try wait { done in records.setGrant(grant.stored(announced: false)) { done($0) } }.get()
                print("intercom: the door opens for everyone until \(GrantPeriod.utcText(grant.until)) (\(minutes) minutes)")
            } else if end {
                if let running {
                    let ended = GrantPeriod(startedAt: running.startedAt, until: now, by: "cli")
                    try wait { done in records.setGrant(ended.stored(announced: false)) { done($0) } }.get()
                }
                print(running != nil ? "intercom: grant period ended" : "intercom: no grant period was running")
            } else if let grant = running {
                print("intercom: the door opens for everyone until \(GrantPeriod.utcText(grant.until)) (\(grant.minutesLeft(at: now)) minutes left, started by \(grant.by))")
            } else {
                print("intercom: no grant period; intercom calls are forwarded")
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
