import Glibc

/// What `check-config` says about the files a config names, beyond the file itself: is each
/// where the server will look, and readable. Reads only; creates, changes and starts nothing.
public struct InstallationCheck: Sendable {
    /// Problems that stop `serve` from starting.
    public private(set) var errors: [ConfigError] = []
    /// Things that work but probably not as meant (calls off, nobody can log in, ...).
    public private(set) var warnings: [ConfigNote] = []
    /// User names Twilio would refuse as they are, with the client identities they get instead
    /// (from the number plan and the users file).
    public private(set) var identities: [String] = []

    public init(config: ShetphoneConfig) {
        let file = config.path
        let publicDir = config.server.publicDir
        if let renamings = ClientIdentity.renamings(config.plan.users, limit: .max) {
            identities.append("\(file): Twilio client identities: \(renamings)")
        }
        let loginTemplate = AppSettings.join(publicDir, "login.html")
        if let text = readTextFile(loginTemplate, limit: 1 << 20) {
            for placeholder in ["{{csrf}}", "{{next}}"] where !text.contains(placeholder) {
                errors.append(ConfigError(loginTemplate, 0, "the login page template has no \(placeholder) placeholder"))
            }
        } else {
            errors.append(ConfigError(file, config.ini["server"]?["public_dir"]?.line ?? 0,
                                      "[server] public_dir: cannot read \(loginTemplate) (\(InstallationCheck.lastError()))"))
        }

        let users = config.app.htpasswdPath
        if let bytes = readFileBytes(users, limit: 16 << 20) {
            let contents = HtpasswdContents(bytes: bytes)
            if let renamings = ClientIdentity.renamings(contents.hashes.keys.sorted(), limit: .max) {
                identities.append("\(users): Twilio client identities: \(renamings)")
            }
            for problem in contents.problems {
                warnings.append(ConfigNote(users, problem.line, .warning, "\(problem.message) (line skipped)"))
            }
            if contents.hashes.isEmpty {
                warnings.append(ConfigNote(users, 0, .warning, "no users: nobody can log in (add one: shetphone passwd \(users) NAME)"))
            }
        } else {
            warnings.append(ConfigNote(file, 0, .warning,
                                       "cannot read the users file \(users) (\(InstallationCheck.lastError())): nobody can log in (add one: shetphone passwd \(users) NAME)"))
        }

        if let csv = readTextFile(config.app.presetsPath, limit: 1 << 20) {
            let entries = (config.ini["presets"]?.entries ?? []).map { (name: $0.key, value: $0.value, line: $0.line) }
            let presets = Presets(entries: entries, iniFile: file, csv: csv, csvFile: config.app.presetsPath,
                                  defaultCallingCode: config.plan.ourNumbers.first?.countryCallingCode)
            for problem in presets.problems {
                warnings.append(ConfigNote(problem.file, problem.line, .warning, "\(problem.message) (left out)"))
            }
        }

        var info = stat()
        let stateDir = config.app.stateDir
        if stat(stateDir, &info) != 0 || (info.st_mode & S_IFMT) != S_IFDIR {
            warnings.append(ConfigNote(file, 0, .warning, "[app] state_dir \(stateDir) is not a folder: the default store (shetphone.db) lives there, and an older release's files there are imported once"))
        } else if access(stateDir, W_OK) != 0 {
            warnings.append(ConfigNote(file, 0, .warning, "[app] state_dir \(stateDir) is not writable by this user: the default store (shetphone.db) cannot be written, nor an older release's files imported and renamed"))
        }

        let sdk = config.app.twilioSDKURL
        if !sdk.contains("://"), !sdk.hasPrefix("//"), access(AppSettings.join(publicDir, sdk), R_OK) != 0 {
            warnings.append(ConfigNote(file, 0, .warning, InstallationCheck.sdkMissing(AppSettings.join(publicDir, sdk))))
        }
        guard let twilio = config.twilio else {
            errors.append(ConfigError(file, 0, "[twilio] section is missing (account_sid, auth_token, app_sid are required)"))
            return
        }
        if !twilio.issuesAccessTokens {
            warnings.append(ConfigNote(file, config.ini["twilio"]?.line ?? 0, .warning,
                                       "[twilio] api_key_sid/api_key_secret are not set: browsers get legacy Capability Tokens, which the Voice JavaScript SDK 2.x refuses"))
        }
        if !twilio.validateSignatures {
            warnings.append(ConfigNote(file, config.ini["twilio"]?["validate_signatures"]?.line ?? 0, .warning,
                                       "[twilio] validate_signatures = false: anyone can call the webhooks (local testing only)"))
        }
    }

    /// The warning when the dialer's SDK file is missing.
    static func sdkMissing(_ path: String) -> String {
        "\(path) is missing: calls are off until the Twilio Voice JavaScript SDK is there (run: shetphone fetch-sdk)"
    }

    private static func lastError() -> String { String(cString: strerror(errno)) }
}
