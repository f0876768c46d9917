import CLI
import Glibc
import Outbound
import Phone

/// `shetphone test-notice --email a@b --hook voicemail.new`: sends a test email through `[smtp]`
/// and a signed test POST to `[hooks]` URLs, exactly as the server would, and reports each result.
struct TestNoticeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "test-notice",
        abstract: "Send a test email ([smtp]) and/or a signed test hook ([hooks]) to check the settings."
    )

    @Option(name: .shortAndLong, help: "The config file.") var config: String = "shetphone.ini"
    @Option(help: "Mail a test notice to this address (repeatable).") var email: [String] = []
    @Option(help: "POST a test event of this kind to its [hooks] URL (repeatable).") var hook: [String] = []

    func run() throws {
        let courier: NoticeCourier
        do {
            let config = try ShetphoneConfig.load(path: self.config)
            let settings = config.notices
            courier = NoticeCourier(client: OutboundClient(settings: settings.outbound.client),
                                    smtp: settings.smtp, hooks: settings.hooks)
            courier.hookTimeoutSeconds = settings.outbound.timeoutSeconds
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        defer { courier.client.shutdown() }
        guard !email.isEmpty || !hook.isEmpty else {
            printError("nothing to send: give --email ADDRESS and/or --hook KIND")
            throw ExitCode(2)
        }
        var failed = false
        let now = Int(time(nil))
        for address in email {
            guard EmailAddress.isValid(address), let smtp = courier.smtp else {
                printError(courier.smtp == nil ? "[smtp] is not configured" : "\(address) is not an email address")
                failed = true
                continue
            }
            let message = EmailMessage(from: smtp.fromHeader, to: [address], subject: "Shetphone test notice",
                                       body: "This is a test from shetphone: email notices reach you.\n",
                                       date: now, messageID: "test-\(SecureRandom.token(byteCount: 12))@shetphone")
            switch wait({ courier.send(message, $0) }) {
            case .success: print("email to \(address): accepted by \(smtp.server.url)")
            case .failure(let error): printError("\(error)"); failed = true
            }
        }
        for kind in hook {
            guard let delivery = courier.hook(kind: kind, id: "test-\(SecureRandom.token(byteCount: 12))",
                                              data: JSON.object([("test", .bool(true))]), now: now) else {
                printError("[hooks] has no URL for \(JSON.quoted(kind)) (kinds: \(HookSettings.kinds.joined(separator: ", ")))")
                failed = true
                continue
            }
            switch wait({ courier.send(delivery, $0) }) {
            case .success(let status): print("hook \(kind) -> \(delivery.url): \(status)")
            case .failure(let error): printError("\(error)"); failed = true
            }
        }
        if failed { throw ExitCode(1) }
    }
}
