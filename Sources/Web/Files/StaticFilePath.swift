/// Decides whether a request may name a file under the static root. Refused (false): `..` or `.`
/// segments (also as `%2e%2e`), `%2f` or `%5c` inside a segment, backslashes, NUL and other control
/// bytes, bad escapes, empty segments (`a//b`), hidden files (`.htpasswd`; `.well-known` is fine).
///
/// Both the raw target (checked strictly, before any decoding) and the decoded, router-relative
/// `path` must pass: the first catches encoded tricks, the second is what is served. Byte scanners:
/// this runs on every static-file request.
enum StaticFilePath {
    static func isAllowed(target: String, path: String) -> Bool {
        guard let raw = rawPath(of: target) else { return false }
        // A plain target is its own path (no escapes to decode): one scan checks both.
        return isSafe(raw, encoded: true) && (raw == path || isSafe(Substring(path), encoded: false))
    }

    /// The file to open for an allowed `path`, relative to the root: `a/b.css`, `dir/index.html` for `dir/`.
    static func relativeFile(for path: String) -> String {
        let relative = String(Substring(path).dropFirst())
        return relative.isEmpty || relative.hasSuffix("/") ? relative + "index.html" : relative
    }

    /// The path part of an origin-form (`/a?b`) or absolute-form (`http://h/a?b`) target.
    static func rawPath(of target: String) -> Substring? {
        let utf8 = target.utf8
        // Nearly every target is `/a/b` with no query or fragment: the target itself, read as bytes.
        let isWholePath = utf8.withContiguousStorageIfAvailable { bytes in
            bytes.first == slash && !bytes.contains(where: { $0 == question || $0 == hash })
        }
        if isWholePath == true { return target[...] }
        var start = utf8.startIndex
        if utf8.first != slash {
            // absolute-form: skip "scheme://authority".
            guard let colon = utf8.firstIndex(of: UInt8(ascii: ":")),
                  utf8[colon...].starts(with: "://".utf8) else { return nil }
            let authority = utf8.index(colon, offsetBy: 3)
            guard let pathStart = utf8[authority...].firstIndex(where: { $0 == slash || $0 == question }) else {
                return "/"
            }
            guard utf8[pathStart] == slash else { return "/" }
            start = pathStart
        }
        let end = utf8[start...].firstIndex { $0 == question || $0 == hash } ?? utf8.endIndex
        return target[start..<end]
    }

    /// `/seg/seg/` with every segment safe; only the last may be empty (a directory).
    static func isSafe(_ path: Substring, encoded: Bool) -> Bool {
        var path = path
        return path.withUTF8 { bytes in
            let count = bytes.count
            guard count > 0, bytes[0] == slash else { return false }
            var i = 1
            while true {
                let start = i
                var first: UInt8?
                var escaped = false
                while i < count && bytes[i] != slash {
                    var byte = bytes[i]
                    if encoded && byte == percent {
                        guard i + 2 < count, let high = HTTPRequestParser.hexValue(bytes[i + 1]),
                              let low = HTTPRequestParser.hexValue(bytes[i + 2]) else { return false }
                        byte = UInt8(high << 4 | low)
                        if byte == slash { return false }
                        escaped = true
                        i += 3
                    } else {
                        i += 1
                    }
                    if byte < 0x20 || byte == 0x7F || byte == backslash { return false }
                    if first == nil { first = byte }
                }
                if i == start {
                    return i == count  // empty: only as the last segment (a directory)
                }
                if first == dot {
                    // Rare: decode properly and allow exactly `.well-known`.
                    let segment = UnsafeBufferPointer(rebasing: bytes[start..<i])
                    let text = String(decoding: segment, as: UTF8.self)
                    let name = escaped ? (try? URLEncoding.percentDecode(text)) : text
                    guard name == ".well-known" else { return false }
                }
                if i == count { return true }
                i += 1
            }
        }
    }
}

private let slash = UInt8(ascii: "/")
private let backslash = UInt8(ascii: "\\")
private let percent = UInt8(ascii: "%")
private let dot = UInt8(ascii: ".")
private let question = UInt8(ascii: "?")
private let hash = UInt8(ascii: "#")
