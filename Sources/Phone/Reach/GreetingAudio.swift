/// A voicemail greeting file held in memory, served to Twilio's `<Play>`.
struct GreetingAudio: Sendable, Equatable {
    var bytes: [UInt8]
    var mediaType: String

    static let maximumBytes = 8 << 20

    /// Reads every file (`key` -> path); a missing or huge file is a config error naming it.
    static func load(_ files: [String: String], file: String) throws -> [String: GreetingAudio] {
        var loaded: [String: GreetingAudio] = [:]
        for (key, path) in files {
            guard let bytes = readFileBytes(path, limit: maximumBytes) else {
                throw ConfigError(file, 0, "[voicemail] greeting file \(path) cannot be read or is over 8 MiB")
            }
            loaded[key] = GreetingAudio(bytes: bytes, mediaType: path.hasSuffix(".wav") ? "audio/x-wav" : "audio/mpeg")
        }
        return loaded
    }
}
