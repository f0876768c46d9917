/// Where a login may send the browser next: only a path on this site under the base path.
/// Anything else (`https://evil.example`, `//evil.example`, `/\evil.example`, a path outside the
/// base, control characters) becomes the base path's root, so `next` cannot make an open redirect.
enum RedirectTarget {
    static let maxBytes = 2048

    static func validated(_ next: String?, basePath: String) -> String {
        let home = basePath + "/"
        guard let next, !next.isEmpty, next.utf8.count <= maxBytes else { return home }
        let bytes = Array(next.utf8)
        // Absolute path only: "/" then not "/" or "\" (both make browsers read a host name).
        guard bytes[0] == UInt8(ascii: "/") else { return home }
        if bytes.count > 1, bytes[1] == UInt8(ascii: "/") || bytes[1] == UInt8(ascii: "\\") { return home }
        // Browsers drop tabs and newlines from URLs and treat "\" as "/", so "/\t/evil" would be "//evil".
        guard !bytes.contains(where: { $0 < 0x21 || $0 == 0x7F || $0 == UInt8(ascii: "\\") }) else { return home }
        guard basePath.isEmpty || next == basePath || next.hasPrefix(home) || next.hasPrefix(basePath + "?") else {
            return home
        }
        // "/base/../other" would leave the base path once the browser resolves the dots.
        let path = next.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let segments = path.split(separator: "/", omittingEmptySubsequences: false)
        if segments.contains(where: { $0 == ".." || $0.lowercased() == "%2e%2e" || $0.lowercased() == ".%2e"
            || $0.lowercased() == "%2e." }) {
            return home
        }
        return next
    }
}
