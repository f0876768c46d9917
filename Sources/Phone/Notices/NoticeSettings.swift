/// Everything about reaching people away from the tab, checked together at start and by
/// `check-config`: `[outbound]`, `[smtp]`, `[email]`, `[hooks]`.
public struct NoticeSettings: Sendable {
    public var outbound: OutboundSettings
    public var smtp: SMTPSettings?
    public var email: EmailSettings
    public var hooks: HookSettings

    public init(config: ShetphoneConfig) throws {
        let file = config.path
        outbound = try OutboundSettings(section: config.ini["outbound"], file: file, directory: config.directory)
        smtp = try SMTPSettings.load(section: config.ini["smtp"], file: file)
        email = try EmailSettings(section: config.ini["email"], file: file)
        hooks = try HookSettings(section: config.ini["hooks"], file: file)
        if smtp == nil, let entry = config.ini["email"]?.entries.first {
            throw ConfigError(file, entry.line, "[email] addresses are set but [smtp] is not configured")
        }
    }
}
