import Glibc
import Web

/// The `[server]` section: where to listen, whom to trust, and every limit.
public struct ServerSettings: Sendable {
    public var server = ServerConfiguration()
    /// Folder of static files (`public_dir`, default `Public`, relative to the working directory).
    public var publicDir = "Public"

    static let keys: Set<String> = [
        "listen", "socket_mode", "trusted_proxies", "public_dir", "loops", "access_log",
        "max_header_bytes", "max_request_line_bytes", "max_header_count", "max_body_bytes", "max_buffered_body_bytes",
        "header_timeout", "body_timeout", "idle_timeout", "max_connections", "max_outbound_bytes",
        "ws_max_message_bytes", "ws_max_outbound_bytes", "ws_ping_interval", "ws_close_timeout", "shutdown_grace",
    ]

    public init() {}

    public init(section: IniFile.Section?, file: String) throws {
        guard let section else { return }
        var limits = Limits()
        for entry in section.entries {
            let reader = ValueReader(file: file, section: "server", entry: entry)
            switch entry.key {
            case "listen":
                let words = reader.words
                guard !words.isEmpty else { throw reader.error("needs at least one address") }
                server.listen = try words.map { word in
                    do { return try ListenAddress(parsing: word) } catch { throw reader.error("\(error)") }
                }
            case "socket_mode":
                guard let mode = UInt32(entry.value, radix: 8), mode <= 0o777 else {
                    throw reader.error("\"\(entry.value)\" is not an octal file mode like 0660")
                }
                server.socketMode = mode_t(mode)
            case "trusted_proxies":
                do { server.trustedProxies = try TrustedProxies(reader.words) } catch { throw reader.error("\(error)") }
            case "public_dir":
                guard !entry.value.isEmpty else { throw reader.error("must name a folder") }
                publicDir = entry.value
            case "loops": server.loops = try reader.integer(in: 1...256)
            case "access_log": server.accessLog = try reader.bool()
            case "max_header_bytes": limits.maxHeaderBytes = try reader.integer(in: 1024...1_048_576)
            case "max_request_line_bytes": limits.maxRequestLineBytes = try reader.integer(in: 256...1_048_576)
            case "max_header_count": limits.maxHeaderCount = try reader.integer(in: 8...10_000)
            case "max_body_bytes": limits.maxBodyBytes = try reader.integer(in: 0...(1 << 30))
            case "max_buffered_body_bytes": limits.maxBufferedBodyBytes = try reader.integer(in: 65_536...(1 << 34))
            case "header_timeout": limits.headerReadTimeoutMillis = try reader.seconds()
            case "body_timeout": limits.bodyReadTimeoutMillis = try reader.seconds()
            case "idle_timeout": limits.idleTimeoutMillis = try reader.seconds()
            case "max_connections": limits.maxConnections = try reader.integer(in: 1...10_000_000)
            case "max_outbound_bytes": limits.maxOutboundBytes = try reader.integer(in: 65_536...(1 << 30))
            case "ws_max_message_bytes": limits.maxWebSocketMessageBytes = try reader.integer(in: 125...(1 << 30))
            case "ws_max_outbound_bytes": limits.maxWebSocketOutboundBytes = try reader.integer(in: 4096...(1 << 30))
            case "ws_ping_interval": limits.webSocketPingIntervalMillis = try reader.seconds()
            case "ws_close_timeout": limits.webSocketCloseTimeoutMillis = try reader.seconds()
            case "shutdown_grace": limits.shutdownGraceMillis = try reader.seconds()
            default:
                throw reader.error("unknown key (known: \(ServerSettings.keys.sorted().joined(separator: ", ")))")
            }
        }
        server.limits = limits
    }
}

/// Reads one INI value as a typed setting, with errors that name file, line, section and key.
public struct ValueReader {
    public let file: String
    public let section: String
    public let entry: IniFile.Entry

    public init(file: String, section: String, entry: IniFile.Entry) {
        self.file = file
        self.section = section
        self.entry = entry
    }

    public func error(_ message: String) -> ConfigError {
        ConfigError(file, entry.line, "[\(section)] \(entry.key): \(message)")
    }

    /// Values separated by spaces and/or commas.
    public var words: [String] {
        entry.value.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
    }

    public func integer(in range: ClosedRange<Int>) throws -> Int {
        guard let value = Int(entry.value), range.contains(value) else {
            throw error("\"\(entry.value)\" is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// Whole seconds (1 to 1 day), returned in milliseconds.
    public func seconds() throws -> Int {
        guard let value = Double(entry.value), value > 0, value <= 86_400 else {
            throw error("\"\(entry.value)\" is not a number of seconds from 0 to 86400")
        }
        return Int(value * 1000)
    }

    public func bool() throws -> Bool {
        switch entry.value.lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw error("\"\(entry.value)\" is not true or false")
        }
    }
}
