/// The `[voicemail]` section: what a caller hears and leaves when nobody answers.
///
/// On by default for every number: the greeting (spoken by `<Say>` in `voice`/`language`, or
/// the audio file `greeting_file`, which this server serves), then a beep and `<Record>` of up
/// to `max_length` seconds, transcribed when `transcribe = true`. A number can have its own
/// greeting or be left out: `+442079460174.greeting = ...`, `+442079460174.greeting_file = ...`,
/// `+442079460174.enabled = false`.
public struct VoicemailSettings: Sendable, Equatable {
    /// What one number plays before the beep.
    public enum Greeting: Sendable, Equatable {
        case say(String)
        /// Served at `/voicemail/greeting/<key>` (`default` or the number).
        case audio(key: String, path: String)
    }

    public var enabled = true
    public var greeting = Greeting.say("Please leave a message after the tone.")
    public var voice: String?
    public var language: String?
    public var maxLengthSeconds = 120
    public var transcribe = false
    public var perNumber: [String: Greeting] = [:]
    public var disabledNumbers: Set<String> = []

    public static let keys = ["enabled", "greeting", "greeting_file", "voice", "language", "max_length", "transcribe"]

    public init() {}

    public init(section: IniFile.Section?, file: String, directory: String, ourNumbers: [String]) throws {
        for entry in section?.entries ?? [] {
            let reader = ValueReader(file: file, section: "voicemail", entry: entry)
            var key = entry.key
            var number: String?
            if key.hasPrefix("+"), let dot = key.firstIndex(of: ".") {
                number = String(key[..<dot])
                key = String(key[key.index(after: dot)...])
                guard let number, ourNumbers.contains(number) else {
                    throw reader.error("\(JSON.quoted(String(entry.key.prefix { $0 != "." }))) is none of [numbers]")
                }
            }
            switch key {
            case "enabled":
                let on = try reader.bool()
                if let number { if !on { disabledNumbers.insert(number) } } else { enabled = on }
            case "greeting":
                guard !entry.value.isEmpty else { throw reader.error("is empty") }
                if let number { perNumber[number] = .say(entry.value) } else { greeting = .say(entry.value) }
            case "greeting_file":
                let path = try reader.readableFile(relativeTo: directory)
                guard path.hasSuffix(".mp3") || path.hasSuffix(".wav") else { throw reader.error("must be an .mp3 or .wav file") }
                if let number { perNumber[number] = .audio(key: number, path: path) } else { greeting = .audio(key: "default", path: path) }
            case "voice" where number == nil: voice = entry.value
            case "language" where number == nil: language = entry.value
            case "max_length" where number == nil: maxLengthSeconds = try reader.integer(in: 5...3600)
            case "transcribe" where number == nil: transcribe = try reader.bool()
            default:
                throw reader.error("unknown key (known: \(VoicemailSettings.keys.joined(separator: ", ")), +E164.greeting, +E164.greeting_file, +E164.enabled)")
            }
        }
    }

    public func isOn(for number: String) -> Bool { enabled && !disabledNumbers.contains(number) }

    public func greeting(for number: String) -> Greeting { perNumber[number] ?? greeting }

    /// Every audio greeting, by the key its URL names.
    public var audioGreetings: [String: String] {
        var files: [String: String] = [:]
        for case let .audio(key, path) in [greeting] + Array(perNumber.values) { files[key] = path }
        return files
    }
}
