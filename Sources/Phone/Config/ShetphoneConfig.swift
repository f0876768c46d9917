import Glibc
import Web

/// Everything `shetphone.ini` says, checked: every section is parsed here, once, so
/// `check-config` can judge a file without building the app, starting a thread or writing a
/// file. The original Shetphone's and the intercom's forms are read too (`IniTranslation`);
/// what was translated or ignored is in `notes`.
public struct ShetphoneConfig: Sendable {
    public let path: String
    /// The folder relative paths in the file are resolved against.
    public let directory: String
    /// The file after translation (`[presets]` entries are read from here).
    public let ini: IniFile
    public var server: ServerSettings
    public var app: AppSettings
    /// `[twilio]`, nil without the section: commands that never talk to Twilio (test-notice)
    /// work without it; `serve` and `check-config` ask for it with `requiredTwilio()`.
    public var twilio: TwilioSettings?
    /// `[numbers]`, `[clients]` and `[app] allowed_countries`.
    public var plan: NumberPlan
    public var intercom: IntercomSettings
    /// `[outbound]`, `[smtp]`, `[email]`, `[hooks]`.
    public var notices: NoticeSettings
    /// `[outbound]`: how the server reaches HTTPS and SMTP peers.
    public var outbound: OutboundSettings { notices.outbound }
    /// What was read differently from how it was written, in file order.
    public let notes: [ConfigNote]
    /// `[store]`: the database file and how long history is kept.
    public var store: StoreSettings
    /// `[texts]`: automatic replies and the send limit.
    public var texts = TextSettings()
    /// True when no config file was given and the built-in demo is running.
    public let isDemo: Bool

    public static let knownSections: Set<String> = ["app", "server", "twilio", "numbers", "clients", "presets", "intercom",
                                                    "outbound", "smtp", "email", "hooks", "ring", "voicemail", "store",
                                                    "texts"]

    /// Parses and checks `text`; `environment` answers for `TWILIO_*` variables (`getenv`).
    public init(text: String, path: String, isDemo: Bool = false,
                environment: (String) -> String? = ShetphoneConfig.processEnvironment) throws {
        self.path = path
        self.isDemo = isDemo
        if let slash = path.lastIndex(of: "/") {
            directory = String(path[..<slash])
        } else {
            directory = "."
        }
        var ini = try IniFile(text: text, path: path)
        let translated = try IniTranslation.apply(to: &ini, environment: environment)
        notes = (ini.notes + translated).sorted { $0.line < $1.line }
        self.ini = ini
        for section in ini.sections where !ShetphoneConfig.knownSections.contains(section.name) {
            throw ConfigError(path, section.line, "unknown section [\(section.name)] (known: \(ShetphoneConfig.knownSections.sorted().joined(separator: ", ")))")
        }
        server = try ServerSettings(section: ini["server"], file: path)
        app = try AppSettings(section: ini["app"], file: path, directory: directory)
        twilio = try ini["twilio"].map { try TwilioSettings(section: $0, file: path) }
        plan = try NumberPlan(ini: ini, allowedCountries: app.allowedCountries, allowedCountriesLine: app.allowedCountriesLine)
        plan.allowedPremiumPrefixes = app.allowPremium
        intercom = try IntercomSettings(section: ini["intercom"], file: path)
        notices = try NoticeSettings(ini: ini, directory: directory)
        store = try StoreSettings(section: ini["store"], file: path, directory: directory, stateDir: app.stateDir)
        texts = try TextSettings(section: ini["texts"], file: path)
        if let exposed = secretExposedByPublicDir() { throw exposed }
    }

    /// The static files handler serves everything under `public_dir`: the config (auth token),
    /// the users file (hashes) and `state_dir` (door codes) must never be there.
    func secretExposedByPublicDir() -> ConfigError? {
        let publicDir = server.publicDir
        let line = ini["server"]?["public_dir"]?.line ?? 0
        var secrets = [("the users file (htpasswd) \(app.htpasswdPath)", app.htpasswdPath),
                       ("state_dir \(app.stateDir)", app.stateDir)]
        if !isDemo { secrets.insert(("this config file", path), at: 0) }
        for (what, secret) in secrets where ResolvedPath.isInside(secret, folder: publicDir) {
            return ConfigError(path, line, "[server] public_dir \(publicDir) contains \(what): anyone could download it. "
                + "Move it out of \(publicDir), or point public_dir at the dialer's own folder.")
        }
        return nil
    }

    /// The file read and translated but not yet checked: for `setup-twilio`, which runs before
    /// the `[twilio]` section is complete. Returns the text too, for writing changes back.
    public static func translatedIni(path: String, environment: (String) -> String? = ShetphoneConfig.processEnvironment)
        throws -> (ini: IniFile, text: String) {
        guard let text = readTextFile(path, limit: 1 << 20) else {
            throw ConfigError(path, 0, "cannot read the file (\(String(cString: strerror(errno))))")
        }
        var ini = try IniFile(text: text, path: path)
        _ = try IniTranslation.apply(to: &ini, environment: environment)
        return (ini, text)
    }

    /// `[twilio]`, or the error naming what is missing.
    public func requiredTwilio() throws -> TwilioSettings {
        guard let twilio else {
            throw ConfigError(path, 0, "[twilio] section is missing (account_sid, auth_token, app_sid are required)")
        }
        return twilio
    }

    /// Every note, then the intercom's warnings: what `check-config` prints and `serve` logs.
    public var messages: [String] { notes.map(\.description) + intercom.warnings }

    /// The demo logs anyone in with a published password: it may listen on loopback only.
    /// Throws naming the address otherwise (e.g. `--listen 0.0.0.0:8080` without a config file).
    public func checkDemoIsLocal() throws {
        guard isDemo else { return }
        for address in server.server.listen {
            guard case .tcp(let host, _) = address, ShetphoneConfig.isLoopback(host) else {
                throw ConfigError(path, 0, "the demo (user demo, password shetphone-demo) listens on loopback only, "
                    + "not on \(address); write a shetphone.ini with your own users to listen there")
            }
        }
    }

    /// The demo's users and pages are the checkout's (`.htpasswd.example`, `Public/`): started
    /// in another folder it would answer nothing but errors. Throws naming the files not found.
    public func checkDemoFilesArePresent() throws {
        guard isDemo else { return }
        let needed = [app.htpasswdPath, AppSettings.join(server.publicDir, "login.html")]
        let missing = needed.filter { access($0, R_OK) != 0 }.map(ResolvedPath.lexical)
        guard !missing.isEmpty else { return }
        throw ConfigError(path, 0, "the demo runs in the shetphone checkout, which has its users and pages; "
            + "\(missing.joined(separator: " and ")) cannot be read here: start it in the checkout, "
            + "or write a shetphone.ini (README, \"Setting it up for real\")")
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || (host.hasPrefix("127.") && host.split(separator: ".").count == 4)
    }

    /// Reads and checks a config file.
    public static func load(path: String, environment: (String) -> String? = ShetphoneConfig.processEnvironment) throws -> ShetphoneConfig {
        guard let text = readTextFile(path, limit: 1 << 20) else {
            throw ConfigError(path, 0, "cannot read the file (\(String(cString: strerror(errno))))")
        }
        return try ShetphoneConfig(text: text, path: path, environment: environment)
    }

    /// The process's environment variable `name`.
    public static func processEnvironment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// The built-in demo: listens on 127.0.0.1:8080, one demo number, signatures checked with a dummy token.
    public static func demo() -> ShetphoneConfig {
        // The demo text is fixed and valid; a failure here is a programming error caught by the tests.
        do {
            return try ShetphoneConfig(text: demoText, path: "(built-in demo config)", isDemo: true, environment: { _ in nil })
        } catch {
            fatalError("built-in demo config is invalid: \(error)")
        }
    }

    static let demoText = """
        [app]
        htpasswd = .htpasswd.example

        [server]
        listen = 127.0.0.1:8080

        [twilio]
        account_sid = AC00000000000000000000000000000000
        auth_token = demo-auth-token
        app_sid = AP00000000000000000000000000000000

        [numbers]
        +15005550006 = demo

        [presets]
        Twilio test number = +15005550006

        [store]
        path = :memory:
        """
}

/// Reads a whole small text file; nil when it cannot be read or is larger than `limit` bytes.
public func readTextFile(_ path: String, limit: Int) -> String? {
    guard let bytes = readFileBytes(path, limit: limit) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

/// Reads a whole small file; nil when it cannot be read or is larger than `limit` bytes.
public func readFileBytes(_ path: String, limit: Int) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count < 0 { if errno == EINTR { continue }; return nil }
        if count == 0 { return result }
        result.append(contentsOf: chunk[0..<count])
        if result.count > limit { errno = EFBIG; return nil }
    }
}
