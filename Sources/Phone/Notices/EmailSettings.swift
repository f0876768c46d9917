/// The `[email]` section: who gets notices by email.
///
/// `alice = alice@example.com` gives a user an address (voicemail for their numbers is mailed
/// there); `missed_calls = alice, bob` opts those users in to a mail for every missed call too.
public struct EmailSettings: Sendable, Equatable {
    public var addresses: [String: String] = [:]
    public var missedCalls: Set<String> = []

    public init() {}

    public init(section: IniFile.Section?, file: String) throws {
        for entry in section?.entries ?? [] {
            let reader = ValueReader(file: file, section: "email", entry: entry)
            if entry.key == "missed_calls" {
                missedCalls = Set(reader.words)
                continue
            }
            guard EmailAddress.isValid(entry.value) else {
                throw reader.error("\(JSON.quoted(entry.value)) is not an email address (user = name@example.com)")
            }
            addresses[entry.key] = entry.value
        }
        for user in missedCalls where addresses[user] == nil {
            throw ConfigError(file, section?["missed_calls"]?.line ?? 0, "[email] missed_calls: \(user) has no address (add \(user) = name@example.com)")
        }
    }
}
