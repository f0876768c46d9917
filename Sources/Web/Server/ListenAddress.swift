import Glibc

/// Where the server listens: `127.0.0.1:8080`, `[::1]:8080`, or `unix:/run/shetphone.sock`.
public enum ListenAddress: Sendable, Equatable, CustomStringConvertible {
    case tcp(host: String, port: UInt16)
    case unix(path: String)

    public init(parsing text: String) throws {
        let text = text.trimmingASCIISpaces()
        if text.hasPrefix("unix:") {
            let path = String(text.dropFirst(5))
            guard !path.isEmpty, path.utf8.count < 108 else {
                throw ConfigurationError("listen address \"\(text)\": a Unix socket path must be 1 to 107 bytes")
            }
            self = .unix(path: path)
            return
        }
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw ConfigurationError("listen address \"\(text)\": expected [IPv6]:port")
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
            guard IPAddress.parse(String(host))?.count == 16 else {
                throw ConfigurationError("listen address \"\(text)\": \"\(host)\" is not an IPv6 address")
            }
        } else {
            guard let colon = text.lastIndex(of: ":") else {
                throw ConfigurationError("listen address \"\(text)\": expected host:port, [IPv6]:port or unix:/path")
            }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard IPAddress.parse(String(host))?.count == 4 || host == "localhost" else {
                throw ConfigurationError("listen address \"\(text)\": \"\(host)\" is not an IPv4 address")
            }
        }
        guard let port = UInt16(portText) else {
            throw ConfigurationError("listen address \"\(text)\": port \"\(portText)\" is not a number from 0 to 65535")
        }
        self = .tcp(host: host == "localhost" ? "127.0.0.1" : String(host), port: port)
    }

    public var description: String {
        switch self {
        case .tcp(let host, let port): return host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
        case .unix(let path): return "unix:\(path)"
        }
    }
}

/// Errors from the operating system, named after the call that failed.
public enum SocketError: Error, CustomStringConvertible {
    case system(String, Int32)
    case address(String)

    public var description: String {
        switch self {
        case .system(let call, let code): return "\(call) failed: \(String(cString: strerror(code)))"
        case .address(let message): return message
        }
    }
}
