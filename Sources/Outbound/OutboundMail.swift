/// One email for an SMTP server: the envelope and the finished RFC 5322 message (CRLF lines).
/// libcurl speaks SMTP, escapes lines that start with a dot, and ends the DATA.
public struct OutboundMail: Sendable {
    public var server: SMTPServer
    /// The envelope sender (`MAIL FROM`), a bare address.
    public var from: String
    /// The envelope recipients (`RCPT TO`), bare addresses.
    public var recipients: [String]
    public var message: [UInt8]
    public var timeoutSeconds: Int
    public var retry: RetryPolicy

    public init(server: SMTPServer, from: String, recipients: [String], message: [UInt8], timeoutSeconds: Int = 30,
                retry: RetryPolicy = .standard) {
        self.server = server
        self.from = from
        self.recipients = recipients
        self.message = message
        self.timeoutSeconds = timeoutSeconds
        self.retry = retry
    }
}

/// Where mail goes and how the connection is protected.
public struct SMTPServer: Sendable, Equatable {
    /// `starttls`: plain connect, then STARTTLS, refused if the server cannot (port 587);
    /// `tls`: TLS from the first byte (port 465); `none`: plain text (a local relay only).
    public enum Security: String, Sendable, CaseIterable {
        case starttls, tls, none
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var login: BasicCredentials?

    public init(host: String, port: Int, security: Security, login: BasicCredentials? = nil) {
        self.host = host
        self.port = port
        self.security = security
        self.login = login
    }

    /// `smtp://host:port` or `smtps://host:port` (an IPv6 literal in brackets).
    public var url: String {
        let scheme = security == .tls ? "smtps" : "smtp"
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(scheme)://\(shownHost):\(port)"
    }
}
