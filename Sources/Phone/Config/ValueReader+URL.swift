import Glibc

extension ValueReader {
    /// An `https://host[:port][/path]` URL without credentials, spaces or a trailing `/`.
    public func httpsURL() throws -> String {
        try url(schemes: ["https"])
    }

    /// Like `httpsURL`, also allowing `http://` (a hook on the same machine or network).
    public func url(schemes: [String]) throws -> String {
        let value = entry.value
        guard let scheme = schemes.first(where: { value.hasPrefix($0 + "://") }) else {
            throw error("\(JSON.quoted(value)) must start with \(schemes.map { $0 + "://" }.joined(separator: " or "))")
        }
        let rest = value.dropFirst(scheme.count + 3)
        let authority = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        guard !authority.isEmpty, !authority.contains("@") else {
            throw error("\(JSON.quoted(value)) needs a host and no user:password@ part")
        }
        guard value.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw error("\(JSON.quoted(value)) contains spaces or characters a URL cannot hold")
        }
        return value.hasSuffix("/") ? String(value.dropLast()) : value
    }

    /// A file that exists and can be read now.
    public func readableFile(relativeTo directory: String) throws -> String {
        let path = entry.value.hasPrefix("/") ? entry.value : directory + "/" + entry.value
        guard access(path, R_OK) == 0 else { throw error("cannot read \(path)") }
        return path
    }
}
