/// Everything about reaching people away from the tab, checked together at start and by
/// `check-config`: `[outbound]`, `[smtp]`, `[email]`, `[hooks]`.
public struct NoticeSettings: Sendable {
    public var outbound: OutboundSettings
    public var smtp: SMTPSettings?
    public var email: EmailSettings
    public var hooks: HookSettings

    /// Reads the sections from the config file's INI (`ShetphoneConfig` calls this once).
    public init(ini: IniFile, directory: String) throws {
        let file = ini.path
        outbound = try OutboundSettings(section: ini["outbound"], file: file, directory: directory)
        smtp = try SMTPSettings.load(section: ini["smtp"], file: file)
        email = try EmailSettings(section: ini["email"], file: file)
        hooks = try HookSettings(section: ini["hooks"], file: file)
        if smtp == nil, let entry = ini["email"]?.entries.first {
            throw ConfigError(file, entry.line, "[email] addresses are set but [smtp] is not configured")
        }
    }
}
