import CLI
import Glibc
import Store

/// `shetphone export-calls`: the whole call history as CSV on standard output, oldest first.
struct ExportCallsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export-calls",
        abstract: "Write the call history as CSV (RFC 4180) to standard output, oldest first."
    )

    @OptionGroup var options: StoreOptions

    static let header = ["call_sid", "direction", "our_number", "other_party", "caller_name", "user", "users_rung",
                         "answered_by", "door", "outcome", "started_at", "answered_at", "ended_at", "duration_seconds",
                         "answered_number"]

    func run() throws {
        let store = try options.openStore()
        defer { store.close() }
        var out = CSVWriter()
        out.row(ExportCallsCommand.header)
        do {
            try store.calls.forEachNow { call in
                out.row([call.sid, call.direction?.rawValue ?? "", call.ourNumber ?? "", call.otherParty ?? "",
                         call.callerName ?? "", call.user ?? "", call.usersRung.joined(separator: " "),
                         call.answeredBy ?? "", call.door ?? "", call.outcome?.rawValue ?? call.state,
                         ExportCallsCommand.isoTime(call.startedAt), call.answeredAt.map(ExportCallsCommand.isoTime) ?? "",
                         call.endedAt.map(ExportCallsCommand.isoTime) ?? "", call.duration.map(String.init) ?? "",
                         call.answeredNumber ?? ""])
            }
            out.flush()
        } catch {
            out.flush()
            printError("\(error)")
            throw ExitCode(1)
        }
    }

    /// `2026-05-01T18:30:05Z` from unix milliseconds.
    static func isoTime(_ millis: Int) -> String {
        var seconds = time_t(millis / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ n: Int32) -> String { n < 10 ? "0\(n)" : "\(n)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }
}

/// CSV rows to standard output, buffered: fields with commas, quotes or line breaks are quoted.
/// A field starting with `=`, `+`, `-` or `@` gets a leading `'` so a spreadsheet shows it
/// rather than running it as a formula (caller names come from outside).
struct CSVWriter {
    private var buffer: [UInt8] = []

    mutating func row(_ fields: [String]) {
        for (index, field) in fields.enumerated() {
            if index > 0 { buffer.append(UInt8(ascii: ",")) }
            var text = field
            if let first = text.first, "=+-@".contains(first), !(first == "+" && text.dropFirst().allSatisfy(\.isNumber)) {
                text = "'" + text
            }
            if text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
                buffer.append(UInt8(ascii: "\""))
                for byte in text.utf8 {
                    buffer.append(byte)
                    if byte == UInt8(ascii: "\"") { buffer.append(byte) }
                }
                buffer.append(UInt8(ascii: "\""))
            } else {
                buffer += Array(text.utf8)
            }
        }
        buffer += [13, 10]
        if buffer.count > 1 << 16 { flush() }
    }

    mutating func flush() {
        var written = 0
        while written < buffer.count {
            let count = buffer[written...].withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if count <= 0 { if errno == EINTR { continue }; break }
            written += count
        }
        buffer.removeAll(keepingCapacity: true)
    }
}
