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
    public static let importedSuffix = ImportedFile.importedSuffix
    /// A state file is a few kilobytes; anything near this is not one.
    static let maximumBytes = 1 << 20

    public let file: ImportedFile
    public var path: String { file.path }

    public init(path: String) {
        file = ImportedFile(path: path, kind: "an intercom state file", maximumBytes: IntercomStateImport.maximumBytes)
    }

    /// The file in `directory` (`[app] state_dir`).
    public init(directory: String) {
        self.init(path: AppSettings.join(directory, IntercomStateImport.fileName))
    }

    /// Where the file goes once imported.
    public var importedPath: String { file.importedPath }

    /// Imports the file into `records` and renames it; false when there is no file (start-up: blocks).
    @discardableResult
    public func importOnce(into records: IntercomRecords, logger: Logger) throws -> Bool {
        guard let state = try read() else { return false }
        do {
            try records.importNow(state.stored)
        } catch {
            throw IntercomStateError("\(path) cannot be imported into the store: \(error)")
        }
        do { try file.markImported() } catch { throw IntercomStateError(error.message) }
        let counts = "\(state.usedCodes.count) used codes, \(state.openings.count) openings"
        logger.notice("intercom: imported \(path) into the store (\(counts)) and renamed it \(importedPath)")
        return true
    }

    /// The file's state; nil when there is no file. The error names the file and what is wrong.
    public func read() throws -> IntercomState? {
        let bytes: [UInt8]
        do {
            guard let read = try file.read() else { return nil }
            bytes = read
        } catch {
            throw IntercomStateError(error.message)
        }
        do {
            return try IntercomState(jsonBytes: bytes)
        } catch let error as IntercomStateError {
            throw IntercomStateError("\(path): \(error.message)")
        }
    }
}
