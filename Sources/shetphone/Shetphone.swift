import CLI

@main
struct Shetphone: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shetphone",
        abstract: "A browser phone and building-intercom server for Twilio.",
        subcommands: [ServeCommand.self, CheckConfigCommand.self, SetupTwilioCommand.self, FetchSDKCommand.self, PasswdCommand.self, GrantCommand.self,
                      TwilioAPICommand.self, TestNoticeCommand.self, CallingCodesCommand.self, MigrateCommand.self,
                      BackupCommand.self, ExportCallsCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
