/// Turns a request into a path relative to the static root, or refuses it (nil) when it could
/// reach anything else: `..` or `.` segments (also as `%2e%2e`), `%2f` or `%5c` inside a segment,
/// backslashes, NUL and other control bytes, bad escapes, empty segments, hidden files.
///
/// Both the raw target (checked strictly, segment by segment, before any decoding) and the decoded,
/// router-relative `path` must pass: the first catches encoded tricks, the second is what is served.
enum StaticFilePath {
    /// `a/b.css`, or `dir/index.html` for `dir/` and `/`.
    static func relativePath(target: String, path: String) -> String? {
        guard let raw = rawPath(of: target), isSafe(raw, encoded: true),
              isSafe(Substring(path), encoded: false) else { return nil }
        var relative = String(Substring(path).dropFirst())
        if relative.isEmpty || relative.hasSuffix("/") { relative += "index.html" }
        return relative
    }

    /// The path part of an origin-form (`/a?b`) or absolute-form (`http://h/a?b`) target.
    static func rawPath(of target: String) -> Substring? {
        var rest = Substring(target)
        if !rest.hasPrefix("/") {
            // absolute-form: skip "scheme://authority".
            guard let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://") else { return nil }
            rest = rest[colon...].dropFirst(3)
            guard let slash = rest.firstIndex(of: "/") else { return "/" }
            rest = rest[slash...]
        }
        if let end = rest.firstIndex(where: { $0 == "?" || $0 == "#" }) { rest = rest[..<end] }
        return rest
    }

    /// `/seg/seg/` with every segment safe; only the last may be empty (a directory).
    private static func isSafe(_ path: Substring, encoded: Bool) -> Bool {
        guard path.hasPrefix("/") else { return false }
        let segments = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        for (index, segment) in segments.enumerated() {
            if segment.isEmpty {
                if index == segments.count - 1 { continue }
                return false
            }
            if encoded && segment.utf8.contains(UInt8(ascii: "%")) {
                // Strict: a bad escape or non-UTF-8 refuses the request rather than being guessed at.
                guard let decoded = try? URLEncoding.percentDecode(segment), isSafeSegment(Substring(decoded)) else {
                    return false
                }
            } else if !isSafeSegment(segment) {
                return false
            }
        }
        return true
    }

    /// One decoded segment: a plain name, not a dot-name (except `.well-known`), no separators or controls.
    private static func isSafeSegment(_ segment: Substring) -> Bool {
        guard !segment.isEmpty else { return false }
        if segment.hasPrefix(".") && segment != ".well-known" { return false }
        return segment.utf8.allSatisfy { byte in
            byte >= 0x20 && byte != 0x7F && byte != UInt8(ascii: "/") && byte != UInt8(ascii: "\\")
        }
    }
}
