import Outbound

/// The `[outbound]` section: what every request this server makes (Twilio's API, SMTP, hooks) shares.
///
/// `ca_file`: a PEM file of certificates to trust instead of the system's (a private CA; tests'
/// throw-away certificates). Verification itself is never turned off.
/// `connect_timeout`: seconds to wait for a connection (default 10).
/// `timeout`: seconds one try of a request may take in all (default 15); a media stream may stall this long.
/// `notice_retry`: seconds before a failed email or hook is tried again (default 30, doubling up to an hour).
public struct OutboundSettings: Sendable {
    public var client = OutboundClient.Settings()
    public var timeoutSeconds = 15
    public var noticeRetrySeconds = 30

    public static let keys = ["ca_file", "connect_timeout", "timeout", "notice_retry"]

    public init() {}

    public init(section: IniFile.Section?, file: String, directory: String) throws {
        for entry in section?.entries ?? [] {
            let reader = ValueReader(file: file, section: "outbound", entry: entry)
            switch entry.key {
            case "ca_file": client.caFile = try reader.readableFile(relativeTo: directory)
            case "connect_timeout": client.connectTimeoutSeconds = try reader.integer(in: 1...120)
            case "timeout": timeoutSeconds = try reader.integer(in: 1...600)
            case "notice_retry": noticeRetrySeconds = try reader.integer(in: 1...3600)
            default: throw reader.error("unknown key (known: \(OutboundSettings.keys.joined(separator: ", ")))")
            }
        }
    }
}
