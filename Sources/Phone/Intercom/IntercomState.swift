import Store

/// What the intercom remembers across restarts: the grant period, the single-use door codes
/// already used (so a restart does not revive them), and the latest door openings.
///
/// Kept in the store (`IntercomRecords`); releases before the store wrote it as `intercom-state.json`,
/// which `IntercomStateImport` reads once:
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

    // MARK: The old state file

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

extension IntercomState {
    /// The state as the store holds it (openings of an unknown kind are left out).
    public init(stored: StoredIntercom) {
        self.init(grant: stored.grant.map { GrantPeriod(startedAt: $0.startedAt, until: $0.until, by: $0.by) },
                  usedCodes: stored.usedCodes,
                  openings: stored.openings.compactMap { opening in
                      IntercomOpening.Method(rawValue: opening.how).map { IntercomOpening(at: opening.at, how: $0, from: opening.from) }
                  })
    }

    /// The state in the store's terms (the one-time import of `intercom-state.json`).
    public var stored: StoredIntercom {
        StoredIntercom(grant: grant?.stored(), usedCodes: usedCodes, openings: openings.map(\.stored))
    }
}

extension GrantPeriod {
    /// The grant as the store keeps it; `announced` false when the dialers are yet to hear of it.
    public func stored(announced: Bool = true) -> StoredIntercom.Grant {
        StoredIntercom.Grant(startedAt: startedAt, until: until, by: by, announced: announced)
    }
}

extension IntercomOpening {
    var stored: StoredIntercom.Opening { StoredIntercom.Opening(at: at, how: how.rawValue, from: from) }
}
