import Glibc
import Logging
import Store
import Web

/// The one-time move of `intercom-state.json` (what releases before the store kept in
/// `[app] state_dir`: the grant, used single-use codes, openings) into the store. At start, a
/// file that is there is read, written to the store, then renamed `intercom-state.json.imported`
/// so it is never imported twice. A file that cannot be read stops the start with one error
/// naming the file and what is wrong, and stays where it is.
public struct IntercomStateImport: Sendable {
    public static let fileName = "intercom-state.json"
    public static let importedSuffix = ".imported"
    /// A state file is a few kilobytes; anything near this is not one.
    static let maximumBytes = 1 << 20

    public let path: String

    public init(path: String) { self.path = path }

    /// The file in `directory` (`[app] state_dir`).
    public init(directory: String) {
        self.init(path: AppSettings.join(directory, IntercomStateImport.fileName))
    }

    /// Where the file goes once imported.
    public var importedPath: String { path + IntercomStateImport.importedSuffix }

    /// Imports the file into `records` and renames it; false when there is no file (start-up: blocks).
    @discardableResult
    public func importOnce(into records: IntercomRecords, logger: Logger) throws -> Bool {
        guard let state = try read() else { return false }
        do {
            try records.importNow(state.stored)
        } catch {
            throw IntercomStateError("\(path) cannot be imported into the store: \(error)")
        }
        guard rename(path, importedPath) == 0 else {
            throw IntercomStateError("\(path) was imported but cannot be renamed to \(importedPath): \(IntercomStateImport.lastError()); "
                + "rename or remove it by hand")
        }
        let counts = "\(state.usedCodes.count) used codes, \(state.openings.count) openings"
        logger.notice("intercom: imported \(path) into the store (\(counts)) and renamed it \(importedPath)")
        return true
    }

    /// The file's state; nil when there is no file. The error names the file and what is wrong.
    public func read() throws -> IntercomState? {
        var info = stat()
        if lstat(path, &info) != 0 {
            if errno == ENOENT { return nil }
            throw IntercomStateError("cannot read \(path): \(IntercomStateImport.lastError())")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw IntercomStateError("\(path) is not a regular file")
        }
        guard info.st_size <= IntercomStateImport.maximumBytes else {
            throw IntercomStateError("\(path) is \(info.st_size) bytes; an intercom state file is at most \(IntercomStateImport.maximumBytes)")
        }
        guard let bytes = readFileBytes(path, limit: IntercomStateImport.maximumBytes) else {
            throw IntercomStateError("cannot read \(path): \(IntercomStateImport.lastError())")
        }
        do {
            return try IntercomState(jsonBytes: bytes)
        } catch let error as IntercomStateError {
            throw IntercomStateError("\(path): \(error.message)")
        }
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}
