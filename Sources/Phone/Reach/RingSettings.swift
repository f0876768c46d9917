/// The `[ring]` section: phones that ring with a user's browsers, and do-not-disturb.
///
/// ```ini
/// [ring]
/// alice = +447700900123              ; rings together with alice's browsers
/// bob = +447700900456 after 15       ; joins in after 15 s if no browser answered
/// carol = sip:carol@example.sip.twilio.com
/// dnd = dave                         ; dave's browsers and phones do not ring
/// ```
/// A mobile (`+E164`) leg is screened: the person hears who is calling and presses 1 to take
/// the call, so the mobile's own voicemail can never answer it. SIP URIs ring unscreened.
public struct RingSettings: Sendable, Equatable {
    /// One user's extra phones.
    public struct Targets: Sendable, Equatable {
        public var numbers: [PhoneNumber] = []
        public var sipURIs: [String] = []
        /// 0: ring with the browsers; else seconds after them, when no browser answered.
        public var delaySeconds = 0

        public init(numbers: [PhoneNumber] = [], sipURIs: [String] = [], delaySeconds: Int = 0) {
            self.numbers = numbers
            self.sipURIs = sipURIs
            self.delaySeconds = delaySeconds
        }
    }

    public var targets: [String: Targets] = [:]
    public var doNotDisturb: Set<String> = []

    public init(targets: [String: Targets] = [:], doNotDisturb: Set<String> = []) {
        self.targets = targets
        self.doNotDisturb = doNotDisturb
    }

    public init(section: IniFile.Section?, file: String, knownUsers: [String]) throws {
        for entry in section?.entries ?? [] {
            let reader = ValueReader(file: file, section: "ring", entry: entry)
            if entry.key == "dnd" {
                doNotDisturb = Set(reader.words)
                for user in doNotDisturb where !knownUsers.contains(user) {
                    throw reader.error("\(JSON.quoted(user)) answers none of [numbers]")
                }
                continue
            }
            guard knownUsers.contains(entry.key) else {
                throw reader.error("\(JSON.quoted(entry.key)) answers none of [numbers] (users: \(knownUsers.joined(separator: ", ")))")
            }
            var words = reader.words
            var user = Targets()
            if words.count >= 2, words[words.count - 2] == "after" {
                guard let delay = Int(words[words.count - 1]), (1...120).contains(delay) else {
                    throw reader.error("\"after \(words[words.count - 1])\" must be 1 to 120 seconds")
                }
                user.delaySeconds = delay
                words.removeLast(2)
            }
            for word in words {
                if word.hasPrefix("sip:") {
                    guard RingSettings.isSafeSIPURI(word) else { throw reader.error("\(JSON.quoted(word)) is not a SIP URI like sip:user@host") }
                    user.sipURIs.append(word)
                } else {
                    guard let number = try? PhoneNumber(e164: word) else {
                        throw reader.error("\(JSON.quoted(word)) is neither a +E.164 number nor a sip: URI")
                    }
                    user.numbers.append(number)
                }
            }
            guard !words.isEmpty else { throw reader.error("names no phone to ring") }
            targets[entry.key] = user
        }
    }

    static func isSafeSIPURI(_ uri: String) -> Bool {
        uri.count <= 255 && uri.dropFirst(4).contains("@")
            && uri.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") && $0 != UInt8(ascii: "\"") }
    }
}
