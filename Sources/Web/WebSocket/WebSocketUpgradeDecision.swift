/// The application's answer to an upgrade request, given before the 101 is sent: accept
/// (optionally with extra headers, a subprotocol and values for `WebSocket.userInfo`) or refuse
/// with any response, e.g. 401 without a session or 403 for an `Origin` not on the allow-list.
public struct WebSocketUpgradeDecision: Sendable {
    enum Kind: Sendable {
        case accept(headers: HTTPHeaders, subprotocol: String?, userInfo: [String: any Sendable])
        case refuse(Response)
    }

    let kind: Kind

    public static let accept = WebSocketUpgradeDecision(kind: .accept(headers: HTTPHeaders(), subprotocol: nil, userInfo: [:]))

    public static func accept(headers: HTTPHeaders = HTTPHeaders(), subprotocol: String? = nil,
                              userInfo: [String: any Sendable] = [:]) -> WebSocketUpgradeDecision {
        WebSocketUpgradeDecision(kind: .accept(headers: headers, subprotocol: subprotocol, userInfo: userInfo))
    }

    public static func refuse(_ response: Response) -> WebSocketUpgradeDecision {
        WebSocketUpgradeDecision(kind: .refuse(response))
    }

    /// A plain-text refusal: `.refuse(.forbidden, "origin https://evil.example is not allowed")`.
    public static func refuse(_ status: HTTPStatus, _ message: String? = nil) -> WebSocketUpgradeDecision {
        WebSocketUpgradeDecision(kind: .refuse(.error(status, message)))
    }

    public var isAccepted: Bool {
        if case .accept = kind { return true }
        return false
    }
}
