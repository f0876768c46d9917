/// What the intercom remembers across restarts: the grant period, the single-use door codes
/// already used (so a restart does not revive them), and the latest door openings.
///
/// Stored as `intercom-state.json`:
/// `{"version":1,"grant":{"startedAt":..,"until":..,"by":"alice"}|null,"usedCodes":["2580"],"openings":[...]}`
public struct IntercomState: Sendable, Equatable {
    public var grant: GrantPeriod?
    /// Digits of single-use codes that have opened the door.
    public var usedCodes: Set<String>
    /// Newest first, at most `maximumOpenings`.
    public var openings: [IntercomOpening]

    public static let maximumOpenings = 50
    public static let version = 1

    public init(grant: GrantPeriod? = nil, usedCodes: Set<String> = [], openings: [IntercomOpening] = []) {
        self.grant = grant
        self.usedCodes = usedCodes
        self.openings = Array(openings.prefix(IntercomState.maximumOpenings))
    }

    /// The grant when it is still running at `now`.
    public func activeGrant(at now: Int) -> GrantPeriod? {
        guard let grant, grant.isActive(at: now) else { return nil }
        return grant
    }

    /// Adds an opening at the front, dropping the oldest past the limit.
    public mutating func record(_ opening: IntercomOpening) {
        openings.insert(opening, at: 0)
        if openings.count > IntercomState.maximumOpenings { openings.removeLast(openings.count - IntercomState.maximumOpenings) }
    }

    // MARK: JSON

    public var json: JSON {
        let grantJSON: JSON = grant.map { ["startedAt": .int($0.startedAt), "until": .int($0.until), "by": .string($0.by)] } ?? .null
        return [
            "version": .int(IntercomState.version),
            "grant": grantJSON,
            "usedCodes": .array(usedCodes.sorted().map(JSON.string)),
            "openings": .array(openings.map(\.json)),
        ]
    }

    /// Reads the state file's text; the error says what is wrong where.
    public init(jsonBytes bytes: [UInt8]) throws {
        let json: JSON
        do { json = try JSONParser.parse(bytes) } catch { throw IntercomStateError("\(error)") }
        guard case .object = json else { throw IntercomStateError("the top level is not a JSON object") }
        if let version = json["version"], version.intValue != IntercomState.version {
            throw IntercomStateError("version \(version) is not \(IntercomState.version) (written by a newer Shetphone?)")
        }
        var grant: GrantPeriod?
        if let value = json["grant"], !value.isNull {
            guard let startedAt = value["startedAt"]?.intValue, let until = value["until"]?.intValue,
                  let by = value["by"]?.stringValue else {
                throw IntercomStateError("\"grant\" needs startedAt, until (unix seconds) and by")
            }
            grant = GrantPeriod(startedAt: startedAt, until: until, by: by)
        }
        var used = Set<String>()
        if let value = json["usedCodes"], !value.isNull {
            guard let items = value.arrayValue else { throw IntercomStateError("\"usedCodes\" is not a list") }
            for item in items {
                guard let code = item.stringValue else { throw IntercomStateError("\"usedCodes\" holds a non-string") }
                used.insert(code)
            }
        }
        var openings: [IntercomOpening] = []
        if let value = json["openings"], !value.isNull {
            guard let items = value.arrayValue else { throw IntercomStateError("\"openings\" is not a list") }
            for item in items {
                guard let opening = IntercomOpening(json: item) else {
                    throw IntercomStateError("an entry of \"openings\" needs at, how (grant or code) and from")
                }
                openings.append(opening)
            }
        }
        self.init(grant: grant, usedCodes: used, openings: openings)
    }
}

/// Why the state file could not be read or written.
public struct IntercomStateError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
