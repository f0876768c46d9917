import Glibc

/// The one way this program replaces a file (`.htpasswd`, the device-cookie key, the config),
/// safe in a folder someone else can write to:
///
/// - the temporary file has a random name and is created with `O_CREAT | O_EXCL | O_NOFOLLOW`,
///   so a symlink or file planted under a guessed name is never opened, let alone written through;
/// - it is written, given its mode (and owner), fsynced, renamed over the target (a rename
///   replaces a link at the target rather than following it), and the folder is fsynced:
///   a crash leaves the old file or the new one, never half of either.
public enum AtomicFile {
    /// Replaces `path` with `bytes`. `mode` is set on the new file; `owner` too when allowed.
    public static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o600,
                             owner: (uid: uid_t, gid: gid_t)? = nil) throws(FileSystemError) {
        let (directory, name) = split(path)
        let temporary = (directory == "/" ? "" : directory) + "/.\(name).\(SecureRandom.token(byteCount: 9)).tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw FileSystemError(path: temporary, action: "create", errno: errno) }
        var renamed = false
        defer { if !renamed { unlink(temporary) } }
        do {
            defer { close(fd) }
            guard fchmod(fd, mode) == 0 else { throw FileSystemError(path: temporary, action: "chmod", errno: errno) }
            if let owner {
                // Keep owner and group when allowed (root); else at least try the group. Failing
                // here is not fatal: the mode is what guards the file.
                if fchown(fd, owner.uid, owner.gid) != 0 { _ = fchown(fd, uid_t.max, owner.gid) }
            }
            var offset = 0
            while offset < bytes.count {
                let written = bytes.withUnsafeBytes { buffer in
                    Glibc.write(fd, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                }
                if written < 0 {
                    if errno == EINTR { continue }
                    throw FileSystemError(path: temporary, action: "write", errno: errno)
                }
                offset += written
            }
            guard fsync(fd) == 0 else { throw FileSystemError(path: temporary, action: "fsync", errno: errno) }
        }
        guard rename(temporary, path) == 0 else { throw FileSystemError(path: path, action: "rename over", errno: errno) }
        renamed = true
        // The rename is durable only once the folder's entry is on disk.
        let folder = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if folder >= 0 {
            _ = fsync(folder)
            close(folder)
        }
    }

    /// `/a/b/c` -> (`/a/b`, `c`); `c` -> (`.`, `c`); `/c` -> (`/`, `c`).
    static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return (".", path) }
        let directory = slash == path.startIndex ? "/" : String(path[..<slash])
        return (directory, String(path[path.index(after: slash)...]))
    }
}

/// A system call on a file failed: which file, what was being done, and why (`errno`).
public struct FileSystemError: Error, Equatable, CustomStringConvertible {
    public let path: String
    public let action: String
    public let errno: Int32

    public init(path: String, action: String, errno: Int32) {
        self.path = path
        self.action = action
        self.errno = errno
    }

    public var description: String { "\(path): cannot \(action): \(String(cString: strerror(errno)))" }
}
