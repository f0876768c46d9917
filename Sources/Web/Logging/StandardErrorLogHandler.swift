import Glibc
import Logging

/// Writes each log line to standard error in swift-log's `StreamLogHandler` format
/// (`<time> <level> <label>: [<metadata>] [<source>] <message>`).
///
/// The logging thread only formats the line: it goes to `LogWriter.standardError`, whose writer
/// thread writes it while the server runs (so a blocked standard error never holds up an event
/// loop), and which writes at once before the writer starts and after it stops. Unlike
/// `StreamLogHandler` it reads no time zone file per line (`LogTimestamp`) and takes no stdio
/// lock: lines are written whole, which the kernel keeps whole against other writers' lines on a
/// pipe (up to `PIPE_BUF`) and on a file.
public struct StandardErrorLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    public var metadata = Logger.Metadata() {
        didSet { prettyMetadata = StandardErrorLogHandler.prettify(metadata) }
    }

    private let label: String
    private let timestamp: LogTimestamp
    private let output: @Sendable (String) -> Void
    private var prettyMetadata: String?

    /// `output` receives each whole line (tests); by default it goes to file descriptor 2.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
                timestamp: LogTimestamp = .shared,
                output: @escaping @Sendable (String) -> Void = StandardErrorLogHandler.writeToStandardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.timestamp = timestamp
        self.output = output
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let pretty = effectiveMetadata(event).map(StandardErrorLogHandler.prettify) ?? prettyMetadata
        output("\(timestamp.now()) \(event.level)\(label.isEmpty ? "" : " ")\(label):\(pretty.map { " \($0)" } ?? "") [\(event.source)] \(event.message)\n")
    }

    /// The handler's metadata with the provider's, the line's own and its error's on top; nil when
    /// the line adds nothing (the handler's own pretty text is kept ready for that case).
    private func effectiveMetadata(_ event: LogEvent) -> Logger.Metadata? {
        let provided = metadataProvider?.get() ?? [:]
        let explicit = event.metadata ?? [:]
        guard !provided.isEmpty || !explicit.isEmpty || event.error != nil else { return nil }
        var merged = metadata
        merged.merge(provided) { _, new in new }
        merged.merge(explicit) { _, new in new }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        return merged
    }

    private static func prettify(_ metadata: Logger.Metadata) -> String? {
        metadata.isEmpty ? nil : metadata.sorted { $0.key < $1.key }.map { "\($0)=\($1)" }.joined(separator: " ")
    }

    /// Hands the line to `LogWriter.standardError`: queued for its writer thread while it runs,
    /// else written at once.
    @Sendable public static func writeToStandardError(_ line: String) {
        LogWriter.standardError.write(line)
    }
}
