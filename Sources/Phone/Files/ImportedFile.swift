import Glibc

/// A file an older release kept in `[app] state_dir` whose contents now live in the store
/// (`intercom-state.json`, `device-cookie.key`): read once at start, written to the store,
/// then renamed `<name>.imported` so it is never read again. A link or anything but a regular
/// file under its name is refused, never followed.
public struct ImportedFile: Sendable {
    public static let importedSuffix = ".imported"

    public let path: String
    /// What the file is, for errors: `an intercom state file`.
    public let kind: String
    /// Anything larger is not such a file.
    public let maximumBytes: Int

    public init(path: String, kind: String, maximumBytes: Int) {
        self.path = path
        self.kind = kind
        self.maximumBytes = maximumBytes
    }

    /// Where the file goes once imported.
    public var importedPath: String { path + ImportedFile.importedSuffix }

    /// The file's bytes; nil when there is no file. The error names the file and what is wrong.
    public func read() throws(ImportedFileError) -> [UInt8]? {
        var info = stat()
        if lstat(path, &info) != 0 {
            if errno == ENOENT { return nil }
            throw ImportedFileError("cannot read \(path): \(ImportedFile.lastError())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw ImportedFileError("\(path) is not a regular file")
        }
        guard info.st_size <= maximumBytes else {
            throw ImportedFileError("\(path) is \(info.st_size) bytes; \(kind) is at most \(maximumBytes)")
        }
        guard let bytes = readFileBytes(path, limit: maximumBytes) else {
            throw ImportedFileError("cannot read \(path): \(ImportedFile.lastError())")
        }
        return bytes
    }

    /// Renames the file `<name>.imported`, once the store holds what it had.
    public func markImported() throws(ImportedFileError) {
        guard rename(path, importedPath) == 0 else {
            throw ImportedFileError("\(path) was imported but cannot be renamed to \(importedPath): \(ImportedFile.lastError()); "
                + "rename or remove it by hand")
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}

/// An `ImportedFile` that cannot be read or renamed: the message names the file and the cause.
public struct ImportedFileError: Error, CustomStringConvertible, Equatable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
