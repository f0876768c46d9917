/// The door codes of `[intercom] door_codes`, all of one length so the intercom's `<Gather>`
/// can stop after exactly that many digits (a visitor never has to press `#`).
public struct DoorCodes: Sendable, Equatable {
    public let codes: [DoorCode]

    public init(_ codes: [DoorCode] = []) { self.codes = codes }

    /// Parses the words of `door_codes`: all the same length, no code twice.
    public init(parsing words: [String]) throws {
        var codes: [DoorCode] = []
        for word in words {
            let code = try DoorCode(parsing: word)
            if let first = codes.first, first.digits.count != code.digits.count {
                throw DoorCodeError(word, "has \(code.digits.count) digits but \(first.masked) has \(first.digits.count); all door codes must be the same length")
            }
            guard !codes.contains(where: { $0.digits == code.digits }) else {
                throw DoorCodeError(word, "this code is listed twice")
            }
            codes.append(code)
        }
        self.codes = codes
    }

    public var isEmpty: Bool { codes.isEmpty }

    /// How many digits a visitor keys in.
    public var length: Int { codes.first?.digits.count ?? 0 }

    /// What a keyed-in code turned out to be.
    public enum Match: Sendable, Equatable {
        /// Opens the door; a single-use code must now be recorded as used.
        case valid(DoorCode)
        /// A code that was right once: its day is over.
        case expired(DoorCode)
        /// A single-use code that has been used.
        case used(DoorCode)
        case wrong
    }

    /// Compares `entered` with every code in constant time (SHA-256 digests of equal length,
    /// every code compared, no early exit), so timing tells nothing about how close a guess was.
    public func match(_ entered: String, usedCodes: Set<String>, now: Int) -> Match {
        let enteredDigest = HMAC.sha256Digest(Array(entered.utf8))
        var found: DoorCode?
        for code in codes {
            let equal = HMAC.constantTimeEquals(HMAC.sha256Digest(Array(code.digits.utf8)), enteredDigest)
            if equal { found = code }
        }
        guard let code = found else { return .wrong }
        if code.hasExpired(at: now) { return .expired(code) }
        if code.singleUse && usedCodes.contains(code.digits) { return .used(code) }
        return .valid(code)
    }
}
