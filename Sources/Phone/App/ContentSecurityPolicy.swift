import Web

/// The `Content-Security-Policy` every HTML page of the app carries: scripts only from the
/// server itself (and from `[app] twilio_sdk_url`'s origin when the SDK is loaded from
/// elsewhere), no inline script, no plugins, no framing. The Twilio Voice SDK talks to
/// Twilio over HTTPS and WebSocket and plays its ringtones from Twilio's servers, so those
/// are allowed for connections and media only.
public struct ContentSecurityPolicy: Sendable, Equatable {
    public let header: String

    public static let headerName = "Content-Security-Policy"

    /// - Parameter sdkURL: `[app] twilio_sdk_url`; a relative URL adds nothing.
    public init(sdkURL: String) {
        var scripts = "'self'"
        if let origin = ContentSecurityPolicy.origin(of: sdkURL) { scripts += " " + origin }
        header = [
            "default-src 'self'",
            "script-src \(scripts)",
            "connect-src 'self' https://*.twilio.com wss://*.twilio.com",
            "media-src 'self' blob: https://*.twilio.com https://*.twiliocdn.com",
            "img-src 'self' data:",
            "style-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ].joined(separator: "; ")
    }

    /// `https://cdn.example.com` of an absolute http(s) URL; nil for a relative one.
    static func origin(of url: String) -> String? {
        var rest = Substring(url)
        let scheme: String
        if rest.hasPrefix("https://") { scheme = "https://" } else if rest.hasPrefix("http://") { scheme = "http://" } else { return nil }
        rest = rest.dropFirst(scheme.count)
        let host = rest.prefix(while: { $0 != "/" && $0 != "?" && $0 != "#" })
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:[]".contains($0)) }) else { return nil }
        return scheme + host
    }

    /// `response` with this policy when it is an HTML page that has none of its own.
    public func applied(to response: Response) -> Response {
        guard response.headers[ContentSecurityPolicy.headerName] == nil,
              response.headers["Content-Type"]?.hasPrefix("text/html") == true else { return response }
        var response = response
        response.headers.set(ContentSecurityPolicy.headerName, header)
        return response
    }
}
