import Outbound

/// Why a Twilio REST call failed, in words for one log line and for the dialer.
public enum TwilioAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Twilio answered with an error status; `code` is Twilio's error code (20003 bad credentials,
    /// 20404 not found) and `message` its words.
    case api(status: Int, code: Int?, message: String, resource: String)
    /// No answer: timeout, refused certificate, no connection.
    case unreachable(resource: String, OutboundError)
    /// An answer we cannot read.
    case unexpectedResponse(resource: String, detail: String)
    /// A SID of the wrong shape never reaches a URL.
    case invalidSID(String, expected: String)

    public var description: String {
        switch self {
        case let .api(status, code, message, resource):
            let reason: String
            switch status {
            case 401: reason = "Twilio refused the credentials ([twilio] account_sid / auth_token)"
            case 404: reason = "not found at Twilio (deleted?)"
            case 429: reason = "Twilio is rate-limiting us; try again shortly"
            default: reason = "Twilio answered \(status)"
            }
            let detail = code.map { " (code \($0): \(message))" } ?? (message.isEmpty ? "" : " (\(message))")
            return "\(resource): \(reason)\(detail)"
        case let .unreachable(resource, error):
            return "\(resource): Twilio's API could not be reached: \(error)"
        case let .unexpectedResponse(resource, detail):
            return "\(resource): unexpected answer from Twilio: \(detail)"
        case let .invalidSID(sid, expected):
            return "\(JSON.quoted(String(sid.prefix(64)))) is not a Twilio SID (\(expected) and 32 hex digits)"
        }
    }

    /// The HTTP status the dialer gets for this failure (the message goes in the body).
    public var statusForBrowser: Int {
        switch self {
        case .api(status: 404, _, _, _): return 404
        case .invalidSID: return 400
        default: return 502
        }
    }
}
