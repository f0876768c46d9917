import ArgumentParser
import Glibc
import Phone

/// `shetphone grant`: starts, ends or shows the intercom's grant period by editing the state
/// file directly (for cron and home automation). A running server notices within a second.
struct GrantCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grant",
        abstract: "Open the door for everyone for a while, end that, or show it (edits the intercom state file).",
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
        let file: IntercomStateFile
        do {
            let loaded = try ShetphoneConfig.load(path: config)
            settings = loaded.intercom
            file = IntercomStateFile(directory: loaded.app.stateDir)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let now = Int(time(nil))
        do {
            if let minutes {
                guard (1...settings.maxGrantMinutes).contains(minutes) else {
                    printError("--minutes \(minutes): must be a whole number from 1 to \(settings.maxGrantMinutes) ([intercom] max_grant_minutes)")
                    throw ExitCode(2)
                }
                var grant = GrantPeriod.starting(at: now, minutes: minutes, by: "cli")
                try file.update { state in
                    if let running = state.activeGrant(at: now) {
                        grant = GrantPeriod(startedAt: running.startedAt, until: now + minutes * 60, by: running.by)
                    }
                    state.grant = grant
                }
                print("intercom: the door opens for everyone until \(GrantPeriod.utcText(grant.until)) (\(minutes) minutes)")
            } else if end {
                var ended = false
                try file.update { state in
                    ended = state.activeGrant(at: now) != nil
                    state.grant = nil
                }
                print(ended ? "intercom: grant period ended" : "intercom: no grant period was running")
            } else {
                let state = try file.read()
                if let grant = state.activeGrant(at: now) {
                    print("intercom: the door opens for everyone until \(GrantPeriod.utcText(grant.until)) (\(grant.minutesLeft(at: now)) minutes left, started by \(grant.by))")
                } else {
                    print("intercom: no grant period; intercom calls are forwarded")
                }
            }
        } catch let error as ExitCode {
            throw error
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}
