/// Something the config loader did that the owner should know about, but that is no error:
/// a key of the original Shetphone read under its new name, a value taken from the
/// environment, a key that means nothing now. `check-config` prints every note; `serve` logs them.
public struct ConfigNote: Sendable, Equatable, CustomStringConvertible {
    /// What kind of note it is.
    public enum Kind: String, Sendable {
        /// Read under another name or moved to another section; the meaning is kept.
        case translated
        /// Means nothing to Shetphone; left out.
        case ignored
        /// Read, but probably not as the owner meant.
        case warning
    }

    public let file: String
    public let line: Int
    public let kind: Kind
    public let message: String

    public init(_ file: String, _ line: Int, _ kind: Kind, _ message: String) {
        self.file = file
        self.line = line
        self.kind = kind
        self.message = message
    }

    /// `shetphone.ini:3: translated: [twilio] application_sid is read as app_sid`
    public var description: String {
        (line > 0 ? "\(file):\(line)" : file) + ": \(kind.rawValue): \(message)"
    }
}
