/// A configuration value that was refused: which section and key, the line when known,
/// and the rule it broke. `located(in:file:)` turns it into the `ConfigError` users see:
/// `shetphone.ini:12: [twilio] token_ttl: token lifetime must be 60...86400 seconds, got 5`.
public struct SettingError: Error, CustomStringConvertible, Equatable {
    public var section: String
    public var key: String
    public var line: Int?
    public var message: String

    public init(section: String, key: String, line: Int? = nil, _ message: String) {
        self.section = section
        self.key = key
        self.line = line
        self.message = message
    }

    /// `[section] key: message`, with `line N: ` in front when the line is known.
    public var description: String {
        let place = line.map { "line \($0): " } ?? ""
        return "\(place)[\(section)] \(key): \(message)"
    }
}

extension SettingError {
    /// As a `ConfigError` naming the file and line: the line given, or the key's line in the INI.
    public func located(in ini: IniFile, file: String) -> ConfigError {
        let line = self.line ?? ini[section]?[key]?.line ?? ini[section]?.line ?? 0
        return ConfigError(file, line, "[\(section)] \(key): \(message)")
    }
}
