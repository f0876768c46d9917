import Glibc
import Outbound

/// Carries one notice (an email or a hook POST) through the outbound client and says how it went.
/// Short-term retries are the client's; a notice queue retries failures later on top of this.
public final class NoticeCourier: @unchecked Sendable {
    public let client: OutboundClient
    public let smtp: SMTPSettings?
    public let hooks: HookSettings
    public var hookTimeoutSeconds = 15

    public init(client: OutboundClient, smtp: SMTPSettings?, hooks: HookSettings) {
        self.client = client
        self.smtp = smtp
        self.hooks = hooks
    }

    /// Mails `message` through `[smtp]`; fails at once when there is no `[smtp]` section.
    public func send(_ message: EmailMessage, _ completion: @escaping @Sendable (Result<Void, NoticeError>) -> Void) {
        guard let smtp else {
            completion(.failure(.notConfigured("[smtp] is not configured")))
            return
        }
        let mail = OutboundMail(server: smtp.server, from: smtp.fromAddress, recipients: message.to,
                                message: message.rendered, timeoutSeconds: smtp.timeoutSeconds)
        client.send(mail) { result in completion(result.mapError { .failed("email to \(message.to.joined(separator: ", ")): \($0)") }) }
    }

    /// POSTs `delivery`, signed now; a 2xx answer is success.
    public func send(_ delivery: HookDelivery, _ completion: @escaping @Sendable (Result<Int, NoticeError>) -> Void) {
        let request = delivery.request(secret: hooks.secret, now: Int(time(nil)), timeoutSeconds: hookTimeoutSeconds)
        client.send(request) { result in
            switch result {
            case .success(let response) where response.isSuccess: completion(.success(response.status))
            case .success(let response):
                completion(.failure(.failed("hook \(delivery.kind) to \(delivery.url): answered \(response.status) \(response.bodyText(limit: 120))")))
            case .failure(let error): completion(.failure(.failed("hook \(delivery.kind): \(error)")))
            }
        }
    }

    /// The hook for `kind`, or nil when `[hooks]` names no URL for it.
    public func hook(kind: String, id: String, data: JSON, now: Int) -> HookDelivery? {
        guard let url = hooks.urls[kind] else { return nil }
        return HookDelivery(id: id, kind: kind, url: url, data: data, created: now)
    }
}

/// Why a notice did not go out, in words for one log line.
public enum NoticeError: Error, Sendable, Equatable, CustomStringConvertible {
    case notConfigured(String)
    case failed(String)

    public var description: String {
        switch self {
        case let .notConfigured(text), let .failed(text): return text
        }
    }
}
