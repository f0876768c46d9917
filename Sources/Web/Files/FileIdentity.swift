import Glibc

/// What `stat` says about a file, enough to tell that the bytes we cached are still the bytes on
/// disk: a different inode (replaced, re-pointed symlink), size or change time means reload.
public struct FileIdentity: Sendable, Equatable {
    public let device: UInt64
    public let inode: UInt64
    public let size: Int
    public let modifiedSeconds: Int
    public let modifiedNanoseconds: Int
    public let changedSeconds: Int
    public let changedNanoseconds: Int
    public let isRegularFile: Bool
    public let isDirectory: Bool

    public init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
        size = Int(info.st_size)
        modifiedSeconds = Int(info.st_mtim.tv_sec)
        modifiedNanoseconds = Int(info.st_mtim.tv_nsec)
        changedSeconds = Int(info.st_ctim.tv_sec)
        changedNanoseconds = Int(info.st_ctim.tv_nsec)
        isRegularFile = info.st_mode & S_IFMT == S_IFREG
        isDirectory = info.st_mode & S_IFMT == S_IFDIR
    }

    /// `stat` of `path` (following symlinks), or nil when it does not exist or cannot be read.
    public init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        self.init(info)
    }

    /// `init(path:)` for a NUL-terminated path kept as bytes (a cached file's): no conversion per call.
    init?(cPath: [CChar]) {
        var info = stat()
        guard stat(cPath, &info) == 0 else { return nil }
        self.init(info)
    }
}
