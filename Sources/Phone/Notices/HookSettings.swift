/// The `[hooks]` section: URLs that get a signed JSON POST when something happens.
///
/// `secret`: signs every POST (required once any URL is set); one key per event kind with
/// the URL (http or https): `call.missed`, `voicemail.new`, `intercom.opened`, `sms.received`.
public struct HookSettings: Sendable, Equatable {
    public static let kinds = ["call.missed", "voicemail.new", "intercom.opened", "sms.received"]

    public var secret: String = ""
    public var urls: [String: String] = [:]

    public init() {}

    public init(secret: String, urls: [String: String]) {
        self.secret = secret
        self.urls = urls
    }

    public init(section: IniFile.Section?, file: String) throws {
        guard let section else { return }
        for entry in section.entries {
            let reader = ValueReader(file: file, section: "hooks", entry: entry)
            if entry.key == "secret" {
                guard entry.value.utf8.count >= 16 else { throw reader.error("is shorter than 16 characters") }
                secret = entry.value
            } else if HookSettings.kinds.contains(entry.key) {
                urls[entry.key] = try reader.url(schemes: ["https", "http"])
            } else {
                throw reader.error("unknown key (known: secret, \(HookSettings.kinds.joined(separator: ", ")))")
            }
        }
        if !urls.isEmpty && secret.isEmpty {
            throw ConfigError(file, section.line, "[hooks] secret is required to sign the hooks (16 characters or more)")
        }
    }
}
