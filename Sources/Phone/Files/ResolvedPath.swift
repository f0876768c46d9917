import Glibc

/// Where a path really points: absolute, with `.`, `..` and symlinks resolved as far as the
/// file system has them (a file that does not exist yet is resolved through its folder).
public enum ResolvedPath {
    /// `path` made absolute against the working directory, symlinks resolved where they exist.
    public static func of(_ path: String) -> String {
        if let real = realpath(path, nil) {
            defer { free(real) }
            return String(cString: real)
        }
        let (folder, name) = AtomicFile.split(path)
        if folder != path, !name.isEmpty, name != ".", name != "..", let real = realpath(folder, nil) {
            defer { free(real) }
            let resolvedFolder = String(cString: real)
            return (resolvedFolder == "/" ? "" : resolvedFolder) + "/" + name
        }
        return lexical(path)
    }

    /// True when `path` is `folder` or lies anywhere below it, after resolving both.
    public static func isInside(_ path: String, folder: String) -> Bool {
        let resolvedFolder = of(folder)
        let resolvedPath = of(path)
        if resolvedFolder == "/" { return true }
        return resolvedPath == resolvedFolder || resolvedPath.hasPrefix(resolvedFolder + "/")
    }

    /// Absolute and without `.`/`..` components, by text alone.
    static func lexical(_ path: String) -> String {
        var absolute = path
        if !path.hasPrefix("/") {
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let cwd = getcwd(&buffer, buffer.count).map { _ in String(cString: buffer) } ?? "/"
            absolute = cwd + "/" + path
        }
        var parts: [Substring] = []
        for part in absolute.split(separator: "/") {
            if part == "." { continue }
            if part == ".." { if !parts.isEmpty { parts.removeLast() }; continue }
            parts.append(part)
        }
        return "/" + parts.joined(separator: "/")
    }
}
