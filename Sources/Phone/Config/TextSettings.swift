/// The `[texts]` section: automatic replies and the per-user send limit.
public struct TextSettings: Sendable, Equatable {
    /// `auto_reply`: answered to every text any of our numbers receives (none by default).
    public var autoReply: String?
    /// `auto_reply.+E164`: the reply of one number (wins over `auto_reply`; empty turns it off).
    public var autoReplies: [String: String] = [:]
    /// `sends_per_minute`: texts one user may send per minute (default 10).
    public var sendsPerMinute = 10

    static let keys = ["auto_reply", "auto_reply.+E164", "sends_per_minute"]

    public init() {}

    public init(section: IniFile.Section?, file: String) throws {
        guard let section else { return }
        for entry in section.entries {
            let reader = ValueReader(file: file, section: "texts", entry: entry)
            if entry.key == "auto_reply" {
                autoReply = entry.value.isEmpty ? nil : try TextSettings.reply(entry.value, reader)
            } else if entry.key.hasPrefix("auto_reply.") {
                let number: PhoneNumber
                do { number = try PhoneNumber(e164: String(entry.key.dropFirst("auto_reply.".count))) } catch {
                    throw reader.error("\(error)")
                }
                autoReplies[number.e164] = entry.value.isEmpty ? "" : try TextSettings.reply(entry.value, reader)
            } else if entry.key == "sends_per_minute" {
                sendsPerMinute = try reader.integer(in: 1...600)
            } else {
                throw reader.error("unknown key (known: \(TextSettings.keys.joined(separator: ", ")))")
            }
        }
    }

    /// The automatic reply of `number`, if any.
    public func autoReply(for number: String) -> String? {
        if let own = autoReplies[number] { return own.isEmpty ? nil : own }
        return autoReply
    }

    private static func reply(_ text: String, _ reader: ValueReader) throws -> String {
        guard text.unicodeScalars.count <= TextRules.maxBodyCharacters else {
            throw reader.error("is longer than \(TextRules.maxBodyCharacters) characters")
        }
        return text
    }
}
