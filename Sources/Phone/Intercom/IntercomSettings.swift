/// The `[intercom]` section: where Twilio asks about intercom calls, who the intercom is,
/// whom to ring, how the door opens, and how grant periods and door codes work.
///
/// Every key is optional: without the section the webhook still answers at `/intercom`, taking
/// `ExpectedFrom` and `PhoneNumberToDial` from its (signed) URL, and refuses every call when
/// it has neither.
public struct IntercomSettings: Sendable, Equatable {
    /// `path`: the webhook, relative to `[app] base_path` (default `/intercom`). `/` (the
    /// intercom seed's place) takes `POST /`; `GET /` stays the dialer.
    public var path = "/intercom"
    /// `grant_code`: the secret of `GET /grant?code=...`; nil turns that page off (404).
    public var grantCode: String?
    /// `grant_minutes`: the length of a grant from the link, and the dialer's default (60).
    public var grantMinutes = 60
    /// `max_grant_minutes`: no grant ends later than this many minutes from now (720).
    public var maxGrantMinutes = 720
    /// `open_digits`: the DTMF that opens the door, as `<Play digits>` takes it: `0-9`, `*`, `#`,
    /// and `w` for a half-second pause. The default waits a second first (`ww9`): many intercoms
    /// miss a tone sent the moment the call is answered.
    public var openDigits = "ww9"
    /// Things in the section that were read but changed (`W` in `open_digits`), for the log.
    public var warnings: [String] = []
    /// `expected_from`: the intercom's own number, when the webhook URL has no `ExpectedFrom`.
    public var expectedFrom: PhoneNumber?
    /// `dial`: the resident's number, when the webhook URL has no `PhoneNumberToDial`.
    public var dial: PhoneNumber?
    /// `ring_clients`: users whose browser dialers ring together with `dial`.
    public var ringClients: [String] = []
    /// `door_codes`: codes a visitor can key in.
    public var doorCodes = DoorCodes()
    /// `dial_timeout`: seconds the forwarded call rings before Twilio gives up (20, the seed's `timeout_seconds`).
    public var dialTimeout = 20

    public static let keys = [
        "path", "grant_code", "grant_minutes", "max_grant_minutes", "open_digits", "expected_from", "dial",
        "ring_clients", "door_codes", "dial_timeout",
    ]

    /// Twilio rings at most ten `<Client>` nouns in one `<Dial>`.
    public static let maximumRingClients = 10

    /// A grant code is a password typed into a URL; shorter ones can be guessed despite the throttle.
    public static let minimumGrantCodeLength = 12
    /// A week: a grant that long is a door left open, not a party.
    public static let maximumGrantMinutes = 7 * 24 * 60
    public static let maximumOpenDigits = 32
    /// Seconds the call stays up after the tone, so intercoms that need settle time open.
    public static let holdSecondsAfterTone = 2
    /// Routes of the rest of the app that the webhook path must not take over.
    static let reservedPaths: Set<String> = [
        "/voice", "/status", "/grant", "/token", "/login", "/logout", "/ws", "/healthz", "/metrics", "/presets",
    ]

    public init() {}

    /// Reads the section (nil: all defaults); errors carry the file and the line of the bad entry.
    public init(section: IniFile.Section?, file: String) throws {
        guard let section else { return }
        var grantMinutesLine: ValueReader?
        for entry in section.entries {
            let reader = ValueReader(file: file, section: "intercom", entry: entry)
            switch entry.key {
            case "path":
                path = try IntercomSettings.checkedPath(reader)
            case "grant_code":
                guard entry.value.count >= IntercomSettings.minimumGrantCodeLength else {
                    throw reader.error("is too short (\(entry.value.count) characters): use at least \(IntercomSettings.minimumGrantCodeLength) random characters")
                }
                guard !entry.value.contains(where: { $0 == " " || $0 == "\t" }) else {
                    throw reader.error("may not contain spaces (it is typed into a URL)")
                }
                grantCode = entry.value
            case "grant_minutes":
                grantMinutes = try reader.integer(in: 1...IntercomSettings.maximumGrantMinutes)
                grantMinutesLine = reader
            case "max_grant_minutes":
                maxGrantMinutes = try reader.integer(in: 1...IntercomSettings.maximumGrantMinutes)
            case "open_digits":
                if let problem = IntercomSettings.problem(withDigits: entry.value) { throw reader.error(problem) }
                openDigits = entry.value.replacing("W", with: "ww")
                if openDigits != entry.value {
                    warnings.append("\(file):\(entry.line): [intercom] open_digits: <Play digits> knows only w (half a second); played \(entry.value) as \(openDigits)")
                }
                if openDigits.count > IntercomSettings.maximumOpenDigits {
                    throw reader.error("is longer than \(IntercomSettings.maximumOpenDigits) characters once each W is ww")
                }
            case "expected_from":
                do { expectedFrom = try PhoneNumber(e164: entry.value) } catch { throw reader.error("\(error)") }
            case "dial":
                do { dial = try PhoneNumber(e164: entry.value) } catch { throw reader.error("\(error)") }
            case "ring_clients":
                var users: [String] = []
                for user in reader.words {
                    if let problem = ClientIdentity.problem(withUserName: user) {
                        throw reader.error("\(JSON.quoted(user)): \(problem)")
                    }
                    guard !users.contains(user) else { throw reader.error("\(JSON.quoted(user)) is listed twice") }
                    users.append(user)
                }
                guard users.count <= IntercomSettings.maximumRingClients else {
                    throw reader.error("\(users.count) users: Twilio rings at most \(IntercomSettings.maximumRingClients) browsers in one call")
                }
                ringClients = users
            case "dial_timeout":
                dialTimeout = try reader.integer(in: 5...600)
            case "door_codes":
                do { doorCodes = try DoorCodes(parsing: reader.words) } catch { throw reader.error("\(error)") }
            default:
                throw reader.error("unknown key (known: \(IntercomSettings.keys.joined(separator: ", ")))")
            }
        }
        if grantMinutes > maxGrantMinutes {
            let message = "\(grantMinutes) is longer than max_grant_minutes (\(maxGrantMinutes))"
            if let grantMinutesLine { throw grantMinutesLine.error(message) }
            // grant_minutes kept its default of 60 and max_grant_minutes is shorter.
            let line = section["max_grant_minutes"]?.line ?? section.line
            throw ConfigError(file, line, "[intercom] max_grant_minutes: \(maxGrantMinutes) is shorter than grant_minutes (\(grantMinutes)); set grant_minutes too")
        }
    }

    /// Why `digits` cannot be played to open the door, or nil when it can.
    public static func problem(withDigits digits: String) -> String? {
        if digits.isEmpty { return "needs at least one digit" }
        if digits.count > maximumOpenDigits { return "is longer than \(maximumOpenDigits) characters" }
        if let bad = digits.first(where: { !"0123456789*#wW".contains($0) }) {
            return "\(JSON.quoted(String(bad))) is not a DTMF digit (use 0-9, *, # and w, a half-second pause)"
        }
        return nil
    }

    private static func checkedPath(_ reader: ValueReader) throws -> String {
        var path = reader.entry.value
        while path.count > 1, path.hasSuffix("/") { path.removeLast() }
        guard path.hasPrefix("/"),
              path.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/-_.~".contains($0)) }),
              !path.contains("//"), !path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." })
        else {
            throw reader.error("\"\(reader.entry.value)\" must be a path like /intercom (letters, digits, / - _ . ~)")
        }
        guard !reservedPaths.contains(path), !path.hasPrefix("/api/"), path != "/api" else {
            throw reader.error("\(path) is used by another part of Shetphone; choose another path")
        }
        return path
    }
}
