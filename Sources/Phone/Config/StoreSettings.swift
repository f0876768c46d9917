import Postgres

/// The `[store] section`: where logins, call history and the intercom's state are kept.
public struct StoreSettings: Sendable, Equatable {
    /// `path`: the SQLite file (default `shetphone.db` in `[app] state_dir`); `:memory:` keeps
    /// everything in memory only (lost on restart: for tests and benchmarks).
    public var path: String
    /// `url`: `postgresql://...` keeps everything in PostgreSQL instead, shared by every instance
    /// that names the same database (see README "Several instances"); `path` is then unused.
    public var url: String?
    /// `history_days`: calls older than this are deleted (default 365).
    public var historyDays = 365
    /// `settle_ringing_seconds`: a call nobody answered that is still not over this long after it
    /// started is checked with Twilio's API (default 900: longer than any `<Dial>` rings).
    public var settleRingingSeconds = 900
    /// `settle_answered_seconds`: the same for an answered call (default 18000, five hours:
    /// Twilio ends a `<Dial>` after four by default).
    public var settleAnsweredSeconds = 18_000

    static let keys = ["path", "url", "history_days", "settle_ringing_seconds", "settle_answered_seconds"]
    public static let defaultFileName = "shetphone.db"

    public init(stateDir: String) {
        path = AppSettings.join(stateDir, StoreSettings.defaultFileName)
    }

    public init(section: IniFile.Section?, file: String, directory: String, stateDir: String) throws {
        self.init(stateDir: stateDir)
        guard let section else { return }
        for entry in section.entries {
            let reader = ValueReader(file: file, section: "store", entry: entry)
            switch entry.key {
            case "path":
                guard !entry.value.isEmpty else { throw reader.error("must name a file (or :memory:)") }
                path = entry.value == ":memory:" ? entry.value : AppSettings.join(directory, entry.value)
            case "url":
                do {
                    url = try PostgresURL(entry.value).text
                } catch PostgresError.badURL(_, let reason) {
                    throw reader.error(reason)
                }
            case "history_days": historyDays = try reader.integer(in: 1...36_500)
            case "settle_ringing_seconds": settleRingingSeconds = try reader.integer(in: 1...86_400)
            case "settle_answered_seconds": settleAnsweredSeconds = try reader.integer(in: 1...604_800)
            default:
                throw reader.error("unknown key (known: \(StoreSettings.keys.joined(separator: ", ")))")
            }
        }
    }
}
