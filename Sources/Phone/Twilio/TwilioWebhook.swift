import Logging
import Web

/// The gate every Twilio webhook passes: rebuilds the public URL Twilio called, decodes the
/// form, and checks `X-Twilio-Signature`. A missing or wrong signature gets 403.
public struct TwilioWebhook: Sendable {
    public let signature: RequestSignature
    /// False only for local testing (`[twilio] validate_signatures = false`).
    public let validates: Bool
    /// `[app] public_url` without its path (`https://phone.example.com`), or nil to use the request's.
    public let publicOrigin: String?

    public init(authToken: String, validates: Bool, publicURL: String?) {
        signature = RequestSignature(authToken: authToken)
        self.validates = validates
        publicOrigin = publicURL.map(TwilioWebhook.origin(of:))
    }

    /// The URL Twilio requested: public scheme and host, then the target exactly as sent
    /// (which includes any base path: NGINX passes `/shetphone/voice` through unchanged).
    public func publicURL(of request: Request) -> String {
        if let publicOrigin { return publicOrigin + request.target }
        let host = request.origin.host ?? "localhost"
        return request.origin.scheme + "://" + host + request.target
    }

    /// The verified form parameters, or the response to send instead (403, 400, 415).
    public func verify(_ request: Request, logger: Logger) -> Result<[(String, String)], ResponseError> {
        let parameters: [(String, String)]
        do {
            parameters = request.body.isEmpty ? [] : try request.formItems()
        } catch let error as HTTPResponseError {
            return .failure(ResponseError(error.response))
        } catch {
            return .failure(ResponseError(.error(.badRequest, "the form body could not be decoded")))
        }
        guard validates else { return .success(parameters) }
        let url = publicURL(of: request)
        guard let given = request.headers[RequestSignature.headerName], !given.isEmpty else {
            logger.warning("webhook \(request.path) refused: no X-Twilio-Signature (from \(request.origin.clientAddress))")
            return .failure(ResponseError(.error(.forbidden, "missing X-Twilio-Signature")))
        }
        guard signature.isValid(signature: given, url: url, parameters: parameters) else {
            logger.warning("webhook \(request.path) refused: X-Twilio-Signature does not match \(url) (from \(request.origin.clientAddress))")
            return .failure(ResponseError(.error(.forbidden, "X-Twilio-Signature does not match this request")))
        }
        return .success(parameters)
    }

    static func origin(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        if let slash = rest.firstIndex(of: "/") { return String(url[..<slash]) }
        return url
    }
}

/// A response carried as an error value (for `Result`).
public struct ResponseError: Error, @unchecked Sendable {
    public let response: Response
    public init(_ response: Response) { self.response = response }
}
