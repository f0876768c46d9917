/// Entity-tag checks for conditional GET/HEAD (RFC 9110 8.8.3, 13.1.2).
enum EntityTag {
    /// True when an `If-None-Match` value is `*` or lists one of `opaqueTags` (the text between the
    /// quotes). GET and HEAD use the weak comparison, so a `W/` prefix on either side is ignored.
    /// A malformed list matches nothing: the client then simply gets the full response.
    static func ifNoneMatch(_ header: String, matchesAnyOf opaqueTags: [String]) -> Bool {
        var bytes = Substring(header).utf8[...]
        while true {
            while let first = bytes.first, first == space || first == tab || first == comma { bytes.removeFirst() }
            guard let first = bytes.first else { return false }
            if first == star { return true }
            if first == UInt8(ascii: "W"), bytes.dropFirst().first == slash { bytes.removeFirst(2) }
            guard bytes.first == quote else { return false }
            bytes.removeFirst()
            guard let end = bytes.firstIndex(of: quote) else { return false }
            let tag = bytes[..<end]
            for candidate in opaqueTags where candidate.utf8.elementsEqual(tag) { return true }
            bytes = bytes[bytes.index(after: end)...]
        }
    }

    private static let space = UInt8(ascii: " ")
    private static let tab = UInt8(ascii: "\t")
    private static let comma = UInt8(ascii: ",")
    private static let star = UInt8(ascii: "*")
    private static let slash = UInt8(ascii: "/")
    private static let quote = UInt8(ascii: "\"")
}
