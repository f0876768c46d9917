import Glibc

/// One time zone read from the system's zoneinfo file (`/usr/share/zoneinfo/Europe/London`,
/// RFC 8536 TZif): the UTC offset and abbreviation at any moment, for pages that show times
/// in `[app] timezone`.
///
/// Read once at start-up and then only looked up, so it is safe on any thread; unlike
/// `localtime_r` with `TZ`, it needs no process-wide environment change. Moments after the
/// file's last transition follow its footer rule (`GMT0BST,M3.5.0/1,M10.5.0`).
public struct ZoneInfo: Sendable, Equatable {
    /// A local time type: offset east of UTC in seconds, and its abbreviation (`BST`).
    public struct LocalType: Sendable, Equatable {
        public var offset: Int
        public var abbreviation: String
        public var isDST: Bool
    }

    public let name: String
    /// Transition instants (Unix seconds, ascending) and the type in force from each.
    var transitions: [(at: Int, type: Int)]
    var types: [LocalType]
    /// The footer rule for moments after the last transition, when the file has one.
    var rule: ZoneRule?

    /// The folder zoneinfo files are read from.
    public static let folder = "/usr/share/zoneinfo"
    public static let utc = ZoneInfo(name: "UTC", transitions: [], types: [LocalType(offset: 0, abbreviation: "UTC", isDST: false)], rule: nil)

    public static func == (lhs: ZoneInfo, rhs: ZoneInfo) -> Bool { lhs.name == rhs.name }

    init(name: String, transitions: [(at: Int, type: Int)], types: [LocalType], rule: ZoneRule?) {
        self.name = name
        self.transitions = transitions
        self.types = types
        self.rule = rule
    }

    /// Loads `name` (`Europe/London`) from `folder`; the error says what is wrong with the name or file.
    public init(named name: String, folder: String = ZoneInfo.folder) throws {
        guard !name.isEmpty, !name.hasPrefix("/"), name.count <= 64,
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "/_-+".contains($0)) }),
              !name.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) else {
            throw ZoneInfoError("\(JSON.quoted(name)) is not a time zone name like Europe/London")
        }
        let path = folder + "/" + name
        guard let bytes = readFileBytes(path, limit: 1 << 20) else {
            throw ZoneInfoError("\(JSON.quoted(name)) is not a time zone known to this system (no \(path))")
        }
        try self.init(name: name, tzif: bytes)
    }

    /// Parses TZif bytes (versions 1 to 4).
    public init(name: String, tzif bytes: [UInt8]) throws {
        self.name = name
        var reader = TZifReader(bytes: bytes)
        let header = try reader.header()
        var block = header
        var timeSize = 4
        if header.version >= 2 {
            try reader.skip(header.v1DataLength)
            block = try reader.header()
            timeSize = 8
        }
        var instants: [Int] = []
        for _ in 0..<block.timeCount { instants.append(try reader.signed(timeSize)) }
        var indices: [Int] = []
        for _ in 0..<block.timeCount { indices.append(Int(try reader.byte())) }
        var raw: [(offset: Int, isDST: Bool, index: Int)] = []
        for _ in 0..<block.typeCount {
            let offset = try reader.signed(4)
            let isDST = try reader.byte() != 0
            raw.append((offset, isDST, Int(try reader.byte())))
        }
        let characters = try reader.take(block.charCount)
        try reader.skip(block.leapCount * (timeSize + 4) + block.stdCount + block.utCount)
        guard !raw.isEmpty, indices.allSatisfy({ $0 < raw.count }) else {
            throw ZoneInfoError("\(name): the zoneinfo file is damaged (a transition names a missing type)")
        }
        types = raw.map { type in
            let tail = characters.dropFirst(type.index).prefix(while: { $0 != 0 })
            return LocalType(offset: type.offset, abbreviation: String(decoding: tail, as: UTF8.self), isDST: type.isDST)
        }
        transitions = zip(instants, indices).map { (at: $0, type: $1) }
        if header.version >= 2, let footer = reader.footer() {
            rule = ZoneRule(posix: footer)
        }
    }

    /// The local type in force at `seconds` (Unix time).
    public func localType(at seconds: Int) -> LocalType {
        if let last = transitions.last, seconds >= last.at, let rule {
            return rule.localType(at: seconds)
        }
        if transitions.isEmpty, let rule { return rule.localType(at: seconds) }
        guard let first = transitions.first, seconds >= first.at else {
            // Before the first transition: the first standard-time type (RFC 8536 section 3.2).
            return types.first(where: { !$0.isDST }) ?? types[0]
        }
        var low = 0
        var high = transitions.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if transitions[middle].at <= seconds { low = middle } else { high = middle - 1 }
        }
        return types[transitions[low].type]
    }

    /// `2026-05-01 19:30 BST`.
    public func text(_ seconds: Int) -> String {
        let type = localType(at: seconds)
        return LocalTime(seconds + type.offset).text + " " + type.abbreviation
    }

    /// `2026-05-01T19:30:00+01:00`, for a `datetime` attribute.
    public func isoText(_ seconds: Int) -> String {
        let type = localType(at: seconds)
        let local = LocalTime(seconds + type.offset)
        let sign = type.offset < 0 ? "-" : "+"
        let minutes = abs(type.offset) / 60
        return local.isoText + sign + LocalTime.two(minutes / 60) + ":" + LocalTime.two(minutes % 60)
    }
}

/// Why a time zone cannot be used.
public struct ZoneInfoError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Calendar fields of a moment already shifted to local time (read with `gmtime_r`, which
/// ignores `TZ`).
struct LocalTime {
    var parts = tm()

    init(_ seconds: Int) {
        var time = time_t(seconds)
        gmtime_r(&time, &parts)
    }

    static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }

    var date: String { "\(parts.tm_year + 1900)-\(LocalTime.two(Int(parts.tm_mon) + 1))-\(LocalTime.two(Int(parts.tm_mday)))" }
    var text: String { date + " " + LocalTime.two(Int(parts.tm_hour)) + ":" + LocalTime.two(Int(parts.tm_min)) }
    var isoText: String { date + "T" + LocalTime.two(Int(parts.tm_hour)) + ":" + LocalTime.two(Int(parts.tm_min)) + ":" + LocalTime.two(Int(parts.tm_sec)) }
}

/// Reads the big-endian fields of a TZif file, failing on a short file.
struct TZifReader {
    struct Header {
        var version: Int
        var utCount, stdCount, leapCount, timeCount, typeCount, charCount: Int
        var v1DataLength: Int { timeCount * 5 + typeCount * 6 + charCount + leapCount * 8 + stdCount + utCount }
    }

    let bytes: [UInt8]
    var position = 0

    init(bytes: [UInt8]) { self.bytes = bytes }

    mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.count - position else { throw ZoneInfoError("the zoneinfo file is cut short") }
        defer { position += count }
        return bytes[position..<position + count]
    }

    mutating func skip(_ count: Int) throws { _ = try take(count) }

    mutating func byte() throws -> UInt8 { try take(1).first ?? 0 }

    /// A two's-complement big-endian integer of 4 or 8 bytes.
    mutating func signed(_ size: Int) throws -> Int {
        let slice = try take(size)
        var value: UInt64 = 0
        for byte in slice { value = value << 8 | UInt64(byte) }
        if size == 4 { return Int(Int32(bitPattern: UInt32(truncatingIfNeeded: value))) }
        return Int(Int64(bitPattern: value))
    }

    mutating func header() throws -> Header {
        guard Array(try take(4)) == Array("TZif".utf8) else { throw ZoneInfoError("not a zoneinfo (TZif) file") }
        let versionByte = try byte()
        let version = versionByte == 0 ? 1 : Int(versionByte) - Int(UInt8(ascii: "0"))
        try skip(15)
        var counts: [Int] = []
        for _ in 0..<6 {
            let count = try signed(4)
            guard count >= 0, count <= 1 << 20 else { throw ZoneInfoError("the zoneinfo file is damaged (a count of \(count))") }
            counts.append(count)
        }
        return Header(version: version, utCount: counts[0], stdCount: counts[1], leapCount: counts[2],
                      timeCount: counts[3], typeCount: counts[4], charCount: counts[5])
    }

    /// The POSIX TZ string between the two newlines after the version-2 data, if any.
    mutating func footer() -> String? {
        guard position < bytes.count, bytes[position] == UInt8(ascii: "\n") else { return nil }
        let rest = bytes[(position + 1)...]
        guard let end = rest.firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let text = String(decoding: rest[..<end], as: UTF8.self)
        return text.isEmpty ? nil : text
    }
}
