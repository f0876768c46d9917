import Outbound

/// The `[smtp]` section: the mail server notices go through, and who they come from.
///
/// `host`, `port` (default 587 for `starttls`, 465 for `tls`, 25 for `none`), `security`
/// (`starttls` default, `tls`, `none`), `user` and `password` (both or neither), `from`
/// (`Shetphone <phone@example.com>` or a bare address), `timeout` (seconds, default 30).
public struct SMTPSettings: Sendable {
    public var server: SMTPServer
    /// The address alone, for `MAIL FROM`.
    public var fromAddress: String
    /// The `From:` header as written.
    public var fromHeader: String
    public var timeoutSeconds = 30

    public static let keys = ["host", "port", "security", "user", "password", "from", "timeout"]

    /// nil when the config has no (or an empty) `[smtp]` section: no email is sent.
    public static func load(section: IniFile.Section?, file: String) throws -> SMTPSettings? {
        guard let section, !section.entries.isEmpty else { return nil }
        return try SMTPSettings(section: section, file: file)
    }

    init(section: IniFile.Section, file: String) throws {
        var security = SMTPServer.Security.starttls
        var port: Int?
        var timeout = 30
        for entry in section.entries {
            let reader = ValueReader(file: file, section: "smtp", entry: entry)
            switch entry.key {
            case "host", "user", "password", "from": break
            case "port": port = try reader.integer(in: 1...65_535)
            case "timeout": timeout = try reader.integer(in: 1...600)
            case "security":
                guard let value = SMTPServer.Security(rawValue: entry.value.lowercased()) else {
                    throw reader.error("\(JSON.quoted(entry.value)) is not starttls, tls or none")
                }
                security = value
            default: throw reader.error("unknown key (known: \(SMTPSettings.keys.joined(separator: ", ")))")
            }
        }
        func required(_ key: String) throws -> IniFile.Entry {
            guard let entry = section[key], !entry.value.isEmpty else {
                throw ConfigError(file, section.line, "[smtp] \(key) is required")
            }
            return entry
        }
        let host = try required("host").value
        guard host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") }) else {
            throw ConfigError(file, section["host"]?.line ?? section.line, "[smtp] host: \(JSON.quoted(host)) is not a host name")
        }
        var login: BasicCredentials?
        switch (section.value("user"), section.value("password")) {
        case (nil, nil): break
        case let (user?, password?): login = BasicCredentials(user: user, password: password)
        case (nil, _?): throw ConfigError(file, section["password"]?.line ?? section.line, "[smtp] password is set but user is missing")
        case (_?, nil): throw ConfigError(file, section["user"]?.line ?? section.line, "[smtp] user is set but password is missing")
        }
        let fromEntry = try required("from")
        guard let address = EmailAddress.parse(fromEntry.value) else {
            throw ConfigError(file, fromEntry.line, "[smtp] from: \(JSON.quoted(fromEntry.value)) is not an address like Name <phone@example.com>")
        }
        let defaultPort = security == .tls ? 465 : security == .starttls ? 587 : 25
        server = SMTPServer(host: host, port: port ?? defaultPort, security: security, login: login)
        fromAddress = address
        fromHeader = fromEntry.value
        timeoutSeconds = timeout
    }
}

/// Email addresses as this server accepts them in config: `local@domain`, printable ASCII,
/// nothing that could end a header or an SMTP command.
public enum EmailAddress {
    /// `phone@example.com` from itself or from `Name <phone@example.com>`.
    public static func parse(_ text: String) -> String? {
        var address = Substring(text)
        if let open = text.lastIndex(of: "<") {
            guard text.hasSuffix(">") else { return nil }
            address = text[text.index(after: open)..<text.index(before: text.endIndex)]
        }
        return isValid(String(address)) ? String(address) : nil
    }

    public static func isValid(_ address: String) -> Bool {
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."), address.utf8.count <= 254 else { return false }
        return address.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && !"<>()[],;:\\\"".utf8.contains($0) }
    }
}
