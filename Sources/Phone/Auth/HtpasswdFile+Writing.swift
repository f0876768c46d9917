import Glibc

extension HtpasswdFile {
    /// What `setPassword` did.
    public enum PasswordChange: Sendable, Equatable {
        case added
        case changed
    }

    /// Mode of a file that `setPassword` creates: the server's group may read it, nobody else.
    public static let newFileMode: mode_t = 0o640

    /// Adds `user` with `hash`, or replaces the hash on their first line, keeping every other line
    /// (comments, CRLF) as it was. The file is replaced atomically (`AtomicFile`) with its mode kept, so a running server never
    /// reads half a file and a crash leaves the old one.
    @discardableResult
    public static func setPassword(path: String, user: String, hash: String) throws -> PasswordChange {
        if let rule = HtpasswdContents.ruleBroken(byUser: user) { throw HtpasswdError.badUser(user, rule: rule) }
        guard PasswordHash(hash) != nil else {
            throw HtpasswdError.badHash(user: user, rule: "is not a bcrypt, SHA-crypt, apr1, {SHA} or DES hash")
        }
        guard !hash.utf8.contains(where: { $0 == UInt8(ascii: ":") || $0 < 0x21 || $0 == 0x7F }) else {
            throw HtpasswdError.badHash(user: user, rule: "contains ':', a blank or a control character")
        }

        // Write through a symlink to its target, not over the link.
        let target = resolvedPath(path)
        var existing: [UInt8] = []
        var mode = newFileMode
        var owner: (uid: uid_t, gid: gid_t)?
        var info = stat()
        if stat(target, &info) == 0 {
            switch read(path: target) {
            case .success(let (bytes, _)): existing = bytes
            case .failure(let error): throw error
            }
            mode = info.st_mode & 0o7777
            owner = (info.st_uid, info.st_gid)
        } else if errno != ENOENT {
            throw HtpasswdError.system(path: target, action: "stat", errno: errno)
        }

        let (updated, change) = replacingUser(user, hash: hash, in: existing)
        try writeAtomically(updated, to: target, mode: mode, owner: owner)
        return change
    }

    /// The file's bytes with `user`'s first line set to `user:hash` (or a line appended).
    static func replacingUser(_ user: String, hash: String, in bytes: [UInt8]) -> ([UInt8], PasswordChange) {
        let newline = UInt8(ascii: "\n")
        var lines = bytes.split(separator: newline, omittingEmptySubsequences: false).map(Array.init)
        // A file ending in "\n" splits into a last empty piece, which is no line.
        let endedWithNewline = bytes.last == newline
        if endedWithNewline || bytes.isEmpty { lines.removeLast() }
        let usesCRLF = lines.first?.last == 0x0D
        let entry = Array("\(user):\(hash)".utf8)

        for index in lines.indices {
            var line = lines[index][...]
            while let first = line.first, first == 0x20 || first == 0x09 { line = line.dropFirst() }
            guard line.first != UInt8(ascii: "#"), let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            if Array(line[..<colon]) == Array(user.utf8) {
                lines[index] = entry + (lines[index].last == 0x0D ? [0x0D] : [])
                return (joined(lines), .changed)
            }
        }
        lines.append(entry + (usesCRLF ? [0x0D] : []))
        return (joined(lines), .added)
    }

    private static func joined(_ lines: [[UInt8]]) -> [UInt8] {
        var out: [UInt8] = []
        for line in lines {
            out += line
            out.append(UInt8(ascii: "\n"))
        }
        return out
    }

    private static func resolvedPath(_ path: String) -> String {
        var info = stat()
        guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFLNK, let real = realpath(path, nil) else {
            return path
        }
        defer { free(real) }
        return String(cString: real)
    }

    private static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t,
                                        owner: (uid: uid_t, gid: gid_t)?) throws {
        do {
            try AtomicFile.write(bytes, to: path, mode: mode, owner: owner)
        } catch {
            throw HtpasswdError.system(path: error.path, action: error.action, errno: error.errno)
        }
    }
}
