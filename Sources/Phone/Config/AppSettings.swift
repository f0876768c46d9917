import Web

/// The `[app]` section: how the phone app is reached and where its files are.
public struct AppSettings: Sendable {
    /// `public_url`: the address Twilio and browsers use (`https://example.com/shetphone`).
    /// Empty: taken from each request (through the trusted proxy).
    public var publicURL: String?
    /// `base_path`: a prefix every route lives under (`/shetphone`), "" for none.
    public var basePath = ""
    /// `htpasswd`: the users file (default `.htpasswd` next to the config file).
    public var htpasswdPath: String
    /// `presets`: an optional CSV of presets (default `presets.csv` next to the config file).
    public var presetsPath: String
    /// `allowed_countries`: ISO codes callers may dial (default: the countries of the configured numbers).
    public var allowedCountries: [String] = []
    public var allowedCountriesLine = 0
    /// `allow_premium`: E.164 prefixes (`+4487 +1900`) of premium, shared-cost or personal ranges
    /// that may be dialled after all (default none: `PremiumRanges` are refused).
    public var allowPremium: [String] = []
    /// `twilio_sdk_url`: where the dialer loads the Twilio Voice SDK from (default `vendor/twilio.min.js`).
    public var twilioSDKURL = "vendor/twilio.min.js"
    /// `session_hours`: a session ends after this long without use (default 12).
    public var sessionIdleHours = 12
    /// `state_dir`: where the default database lives (and older releases' files to import); default next to the config file.
    public var stateDir: String
    /// `metrics_allow`: addresses allowed to read `/metrics` (default 127.0.0.1 ::1).
    public var metricsAllow: [String] = ["127.0.0.1", "::1"]
    /// `dial_timeout`: seconds an incoming call rings the browsers (default 25).
    public var dialTimeout = 25
    /// `outgoing_dial_timeout`: seconds a browser's outgoing call rings before it ends as
    /// no-answer (default 60).
    public var outgoingDialTimeout = VoiceRouting.outgoingRingSeconds
    /// `no_answer_message`: said when nobody answers an incoming call.
    public var noAnswerMessage = "Sorry, nobody is available to take your call. Goodbye."
    /// `timezone`: where times on pages (the grant page) are shown, as `Europe/London` (default UTC).
    public var timeZone = ZoneInfo.utc

    static let keys = [
        "public_url", "base_path", "htpasswd", "presets", "allowed_countries", "allow_premium", "twilio_sdk_url",
        "session_hours", "state_dir", "metrics_allow", "dial_timeout", "no_answer_message", "timezone",
        "outgoing_dial_timeout",
    ]

    public init(directory: String) {
        htpasswdPath = AppSettings.join(directory, ".htpasswd")
        presetsPath = AppSettings.join(directory, "presets.csv")
        stateDir = directory
    }

    public init(section: IniFile.Section?, file: String, directory: String) throws {
        self.init(directory: directory)
        guard let section else { return }
        for entry in section.entries {
            let reader = ValueReader(file: file, section: "app", entry: entry)
            switch entry.key {
            case "public_url":
                let url = entry.value.hasSuffix("/") ? String(entry.value.dropLast()) : entry.value
                guard url.hasPrefix("https://") || url.hasPrefix("http://"), url.count > 8,
                      !url.contains(where: { $0 == " " || $0 == "?" || $0 == "#" }) else {
                    throw reader.error("\"\(entry.value)\" is not an http(s) URL without query")
                }
                publicURL = url
            case "base_path":
                var path = entry.value
                while path.hasSuffix("/") { path.removeLast() }
                guard path.isEmpty || path.hasPrefix("/"),
                      path.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/-_.~".contains($0)) }),
                      !path.contains("//"), !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
                    throw reader.error("\"\(entry.value)\" must be a path like /shetphone")
                }
                basePath = path
            case "htpasswd": htpasswdPath = AppSettings.join(directory, entry.value)
            case "presets": presetsPath = AppSettings.join(directory, entry.value)
            case "allowed_countries":
                allowedCountries = reader.words.map { $0.uppercased() }
                allowedCountriesLine = entry.line
                for code in allowedCountries where code.count != 2 || !code.allSatisfy({ $0.isASCII && $0.isLetter }) {
                    throw reader.error("\"\(code)\" is not a two-letter country code")
                }
            case "allow_premium":
                allowPremium = reader.words
                for prefix in allowPremium where !AppSettings.isE164Prefix(prefix) {
                    throw reader.error("\"\(prefix)\" is not an E.164 prefix like +4487 (a +, then 1 to 15 digits, no spaces)")
                }
            case "twilio_sdk_url":
                guard !entry.value.contains(where: { $0 == "\"" || $0 == "<" || $0 == ">" || $0 == " " }) else {
                    throw reader.error("\"\(entry.value)\" is not a URL")
                }
                twilioSDKURL = entry.value
            case "session_hours": sessionIdleHours = try reader.integer(in: 1...24 * 30)
            case "state_dir": stateDir = AppSettings.join(directory, entry.value)
            case "metrics_allow":
                metricsAllow = reader.words
                do { _ = try TrustedProxies(metricsAllow) } catch { throw reader.error("\(error)") }
            case "dial_timeout": dialTimeout = try reader.integer(in: 5...600)
            case "outgoing_dial_timeout": outgoingDialTimeout = try reader.integer(in: 5...600)
            case "no_answer_message": noAnswerMessage = entry.value
            case "timezone":
                do { timeZone = try ZoneInfo(named: entry.value) } catch { throw reader.error("\(error)") }
            default:
                throw reader.error("unknown key (known: \(AppSettings.keys.joined(separator: ", ")))")
            }
        }
    }

    /// `name` relative to `directory` unless it is absolute.
    static func isE164Prefix(_ text: String) -> Bool {
        let digits = text.utf8.dropFirst()
        return text.hasPrefix("+") && (1...15).contains(digits.count) && digits.allSatisfy { $0 >= 48 && $0 <= 57 }
    }

    public static func join(_ directory: String, _ name: String) -> String {
        if name.hasPrefix("/") || directory.isEmpty || directory == "." { return name }
        return directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }
}
