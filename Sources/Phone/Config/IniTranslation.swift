/// Reads the config forms of the projects Shetphone grew out of as today's sections, so an
/// owner can start the new server on the old file and fix it at leisure. Every change leaves
/// a `ConfigNote` for `check-config` to print.
///
/// - The original Shetphone (Flask + uWSGI): `[shetphone:numbers]`/`[shetphone:clients]` are
///   `[numbers]`/`[clients]`; `[twilio] application_sid` is `app_sid`; `[app] secret_key` and
///   `debug` mean nothing now; `[uwsgi]` `http-socket`/`socket`/`http`, `chmod-socket`, `mount`
///   and `env` become `[server] listen`, `socket_mode`, `[app] base_path` and environment
///   variables; its other keys mean nothing now.
/// - Credentials in `TWILIO_ACCOUNT_SID`, `TWILIO_AUTH_TOKEN`, `TWILIO_APP_SID`, ... fill the
///   `[twilio]` keys the file lacks (or leaves empty).
/// - The intercom (CherryPy): `[global] server.socket_host`/`server.socket_port` become
///   `[server] listen`; `[intercom] timeout_seconds` is `dial_timeout`.
public enum IniTranslation {
    /// Environment variables and the `[twilio]` keys they fill, first name first.
    public static let environmentKeys: [(variable: String, key: String)] = [
        ("TWILIO_ACCOUNT_SID", "account_sid"),
        ("TWILIO_AUTH_TOKEN", "auth_token"),
        ("TWILIO_APP_SID", "app_sid"),
        ("TWILIO_APPLICATION_SID", "app_sid"),
        ("TWILIO_API_KEY", "api_key_sid"),
        ("TWILIO_API_KEY_SID", "api_key_sid"),
        ("TWILIO_API_SECRET", "api_key_secret"),
        ("TWILIO_API_KEY_SECRET", "api_key_secret"),
    ]

    /// Sections renamed as they are: the original's name -> today's.
    static let renamedSections = [("shetphone:numbers", "numbers"), ("shetphone:clients", "clients")]
    /// Keys renamed within their section: (section, old key, new key).
    static let renamedKeys = [("twilio", "application_sid", "app_sid"), ("intercom", "timeout_seconds", "dial_timeout")]
    /// Keys that mean nothing now, and why.
    static let meaninglessKeys = [
        ("app", "secret_key", "sessions are random tokens the server keeps, nothing is signed with a secret key"),
        ("app", "debug", "use `shetphone serve --log-level debug`"),
    ]

    /// Rewrites `ini` in place; `environment` answers `getenv`. Throws when an old and a new
    /// form of the same thing are both present (which one is meant cannot be guessed).
    public static func apply(to ini: inout IniFile, environment: (String) -> String?) throws -> [ConfigNote] {
        let file = ini.path
        var notes: [ConfigNote] = []
        for (old, new) in renamedSections {
            guard let section = ini[old] else { continue }
            if let existing = ini[new] {
                throw ConfigError(file, section.line, "[\(old)] and [\(new)] (line \(existing.line)) are the same section; keep only [\(new)]")
            }
            ini.renameSection(old, to: new)
            notes.append(ConfigNote(file, section.line, .translated, "[\(old)] is read as [\(new)]"))
        }
        for (section, old, new) in renamedKeys {
            guard let entry = ini[section]?[old] else { continue }
            if let existing = ini[section]?[new] {
                throw ConfigError(file, entry.line, "[\(section)] \(old) and \(new) (line \(existing.line)) mean the same; keep only \(new)")
            }
            _ = ini.removeEntry(old, from: section)
            ini.set(new, entry.value, line: entry.line, in: section)
            notes.append(ConfigNote(file, entry.line, .translated, "[\(section)] \(old) is read as \(new)"))
        }
        for (section, key, why) in meaninglessKeys {
            guard let entry = ini.removeEntry(key, from: section) else { continue }
            notes.append(ConfigNote(file, entry.line, .ignored, "[\(section)] \(key) means nothing now (\(why))"))
        }
        var fileEnvironment: [String: String] = [:]
        if let uwsgi = ini.removeSection("uwsgi") {
            notes += translateUWSGI(uwsgi, into: &ini, environment: &fileEnvironment)
        }
        if let global = ini.removeSection("global") {
            notes += translateCherryPy(global, into: &ini)
        }
        notes += fillTwilio(&ini) { environment($0) ?? fileEnvironment[$0] }
        return notes
    }

    // MARK: uWSGI

    private static func translateUWSGI(_ section: IniFile.Section, into ini: inout IniFile,
                                       environment: inout [String: String]) -> [ConfigNote] {
        let file = ini.path
        var notes: [ConfigNote] = []
        let listenSet = ini["server"]?["listen"] != nil
        var listen: [String] = []
        var listenLine = 0
        for entry in section.entries {
            let note = { (kind: ConfigNote.Kind, message: String) in notes.append(ConfigNote(file, entry.line, kind, message)) }
            switch entry.key {
            case "http-socket", "socket", "http":
                guard !listenSet else {
                    note(.ignored, "[uwsgi] \(entry.key) is left out: [server] listen is set")
                    continue
                }
                let address = listenAddress(uwsgi: entry.value)
                listen.append(address)
                if listenLine == 0 { listenLine = entry.line }
                let protocolWarning = entry.key == "socket"
                    ? " (Shetphone speaks HTTP only: NGINX must use proxy_pass, not uwsgi_pass)" : ""
                note(.translated, "[uwsgi] \(entry.key) = \(entry.value) becomes [server] listen = \(address)\(protocolWarning)")
            case "chmod-socket":
                var mode = entry.value.isEmpty ? "666" : entry.value
                if !mode.hasPrefix("0") { mode = "0" + mode }
                if ini["server"]?["socket_mode"] != nil {
                    note(.ignored, "[uwsgi] chmod-socket is left out: [server] socket_mode is set")
                } else {
                    ini.set("socket_mode", mode, line: entry.line, in: "server")
                    note(.translated, "[uwsgi] chmod-socket = \(entry.value) becomes [server] socket_mode = \(mode)")
                }
            case "mount":
                // `/shetphone=shetphone.app:app`: the part before "=" is where the app lived.
                let mountPoint = String(entry.value.prefix(while: { $0 != "=" })).trimmingASCIISpacesForIni()
                let basePath = mountPoint == "/" ? "" : mountPoint
                if ini["app"]?["base_path"] != nil {
                    note(.ignored, "[uwsgi] mount is left out: [app] base_path is set")
                } else {
                    ini.set("base_path", basePath, line: entry.line, in: "app")
                    note(.translated, "[uwsgi] mount = \(entry.value) becomes [app] base_path = \(basePath)")
                }
            case "env":
                let name = String(entry.value.prefix(while: { $0 != "=" }))
                let value = String(entry.value.dropFirst(name.count + 1))
                if environmentKeys.contains(where: { $0.variable == name }) {
                    environment[name] = value
                } else {
                    note(.ignored, "[uwsgi] env \(name) means nothing to Shetphone")
                }
            default:
                note(.ignored, "[uwsgi] \(entry.key) means nothing now (Shetphone is its own server)")
            }
        }
        if !listen.isEmpty { ini.set("listen", listen.joined(separator: " "), line: listenLine, in: "server") }
        return notes
    }

    /// uWSGI's socket syntax as a `listen` word: a path is a Unix socket, `:8080` all addresses.
    static func listenAddress(uwsgi value: String) -> String {
        if value.contains("/") || value.hasPrefix("@") { return "unix:" + value }
        if value.hasPrefix(":") { return "0.0.0.0" + value }
        return value
    }

    // MARK: CherryPy

    private static func translateCherryPy(_ section: IniFile.Section, into ini: inout IniFile) -> [ConfigNote] {
        let file = ini.path
        var notes: [ConfigNote] = []
        let host = section["server.socket_host"]
        let port = section["server.socket_port"]
        if host != nil || port != nil {
            let line = (host ?? port)?.line ?? section.line
            let address = "\(host?.value ?? "127.0.0.1"):\(port?.value ?? "8080")"
            if ini["server"]?["listen"] != nil {
                notes.append(ConfigNote(file, line, .ignored, "[global] server.socket_host/server.socket_port are left out: [server] listen is set"))
            } else {
                ini.set("listen", address, line: line, in: "server")
                notes.append(ConfigNote(file, line, .translated, "[global] server.socket_host/server.socket_port become [server] listen = \(address)"))
            }
        }
        for entry in section.entries where entry.key != "server.socket_host" && entry.key != "server.socket_port" {
            notes.append(ConfigNote(file, entry.line, .ignored, "[global] \(entry.key) means nothing now (Shetphone is its own server)"))
        }
        return notes
    }

    // MARK: Environment

    private static func fillTwilio(_ ini: inout IniFile, environment: (String) -> String?) -> [ConfigNote] {
        var notes: [ConfigNote] = []
        for (variable, key) in environmentKeys {
            if let present = ini["twilio"]?[key], !present.value.isEmpty { continue }
            guard let value = environment(variable), !value.isEmpty else { continue }
            let line = ini["twilio"]?[key]?.line ?? 0
            ini.set(key, value, line: line, in: "twilio")
            // The value is a secret: the note names the variable, never the value.
            notes.append(ConfigNote(ini.path, line, .translated, "[twilio] \(key) is taken from the environment variable \(variable)"))
        }
        return notes
    }
}
