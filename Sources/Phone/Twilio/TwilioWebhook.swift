import Glibc
import Logging
import Web

/// The one gate every Twilio webhook passes (`/voice`, `/status`, the intercom, and any new
/// one: mount it with `Router.webhook`). In order, each step cheap before the next:
///
/// 1. no `X-Twilio-Signature`: 403, before a byte of the body is looked at;
/// 2. a body over `maxBodyBytes` or with more than `maxFields` fields: 413, found by one scan;
/// 3. the form decoded (the query for GET, which Twilio signs as part of the URL);
/// 4. the signature checked over the public URL and the parameters, whose signed bytes are
///    built once: with the auth token (HMAC-SHA1), or with `[twilio] webhook_shared_key` and
///    the algorithm that `X-Twilio-Webhooks-Signature-Settings` names (Webhook Rules).
///
/// Every refusal is logged and counted in `shetphone_webhooks_rejected_total`.
public struct TwilioWebhook: Sendable {
    /// Twilio's forms are a few hundred bytes and a few dozen fields; these bounds are generous.
    public struct Limits: Sendable, Equatable {
        /// Body bytes a webhook may send (64 KiB). Past it: 413.
        public var maxBodyBytes = 64 * 1024
        /// Form (or, for GET, query) fields (256). Past it: 413.
        public var maxFields = 256
        public init() {}
    }

    /// Header Twilio adds when a Webhook Rule signs with a shared key: `key=<id>,algorithm=HMAC_SHA256`.
    public static let signatureSettingsHeader = "X-Twilio-Webhooks-Signature-Settings"

    /// The auth token's HMAC-SHA1, used when the settings header is absent.
    public let signature: RequestSignature
    /// `[twilio] webhook_shared_key`: the secrets a Webhook Rule may sign with (several while rotating).
    public let sharedKeys: [String]
    /// False only for local testing (`[twilio] validate_signatures = false`); the limits still apply.
    public let validates: Bool
    /// `[app] public_url` without its path (`https://phone.example.com`), or nil to use the request's.
    public let publicOrigin: String?
    public var limits: Limits
    /// Counts refusals by route and status; nil in unit tests that do not look.
    public var metrics: PhoneMetrics?

    public init(authToken: String, validates: Bool, publicURL: String?, sharedKeys: [String] = [],
                limits: Limits = Limits(), metrics: PhoneMetrics? = nil) {
        signature = RequestSignature(authToken: authToken)
        self.sharedKeys = sharedKeys.filter { !$0.isEmpty }
        self.validates = validates
        publicOrigin = publicURL.map(TwilioWebhook.origin(of:))
        self.limits = limits
        self.metrics = metrics
    }

    /// The URL Twilio requested: public scheme and host, then the target exactly as sent
    /// (which includes any base path: NGINX passes `/shetphone/voice` through unchanged).
    public func publicURL(of request: Request) -> String {
        if let publicOrigin { return publicOrigin + request.target }
        let host = request.origin.host ?? "localhost"
        return request.origin.scheme + "://" + host + request.target
    }

    /// Runs `handle` with the verified parameters, or answers the refusal (counted and logged).
    public func respond(to request: Request, logger: Logger,
                        _ handle: (Request, [(String, String)]) -> Response) -> Response {
        switch verify(request, logger: logger) {
        case .success(let parameters): return handle(request, parameters)
        case .failure(let refusal): return refusal.response
        }
    }

    /// The verified parameters (the form for POST, the query for GET), or the response to send
    /// instead (403, 413, 400, 415), already logged and counted.
    public func verify(_ request: Request, logger: Logger) -> Result<[(String, String)], HTTPError> {
        let result = check(request, logger: logger)
        if case .failure(let refusal) = result {
            metrics?.webhookRejected(route: request.route ?? request.path, status: refusal.status.code)
        }
        return result
    }

    private func check(_ request: Request, logger: Logger) -> Result<[(String, String)], HTTPError> {
        let given = request.headers[RequestSignature.headerName] ?? ""
        if validates && given.isEmpty {
            logger.warning("webhook \(request.path.prefix(100)) refused: no X-Twilio-Signature (from \(request.origin.clientAddress))")
            return refuse(.forbidden, "missing X-Twilio-Signature")
        }
        let parameters: [(String, String)]
        switch decodeParameters(request) {
        case .success(let decoded): parameters = decoded
        case .failure(let refusal):
            logger.warning("webhook \(request.path.prefix(100)) refused: \(refusal.status.code) \(refusal.message) (from \(request.origin.clientAddress))")
            return .failure(refusal)
        }
        guard validates else { return .success(parameters) }

        let keys: [RequestSignature]
        do {
            keys = try signingKeys(settings: request.headers[TwilioWebhook.signatureSettingsHeader])
        } catch {
            logger.error("webhook \(request.path.prefix(100)) refused: \(error.message) (from \(request.origin.clientAddress))")
            return refuse(.forbidden, error.message)
        }
        let url = publicURL(of: request)
        // A GET's parameters are its query, already inside the signed URL.
        let signedParameters = TwilioWebhook.carriesQuery(request) ? [] : RequestSignature.signedParameterBytes(parameters)
        var valid = false
        // Every key is tried, so the time taken says nothing about which one matched.
        for key in keys where key.isValid(signature: given, url: url, signedParameters: signedParameters) { valid = true }
        guard valid else {
            logger.warning("webhook \(request.path.prefix(100)) refused: X-Twilio-Signature does not match \(url.prefix(300)) (from \(request.origin.clientAddress))")
            return refuse(.forbidden, "X-Twilio-Signature does not match this request")
        }
        return .success(parameters)
    }

    /// The form of a POST (checked against the limits before decoding), or a GET's query.
    func decodeParameters(_ request: Request) -> Result<[(String, String)], HTTPError> {
        if TwilioWebhook.carriesQuery(request) {
            if TwilioWebhook.fieldCount(request.query) > limits.maxFields {
                return refuse(.payloadTooLarge, "more than \(limits.maxFields) query fields")
            }
            do { return .success(try request.queryItems()) } catch {
                return refuse(.badRequest, "the query string could not be decoded")
            }
        }
        if request.body.count > limits.maxBodyBytes {
            return refuse(.payloadTooLarge, "a webhook body is at most \(limits.maxBodyBytes) bytes")
        }
        if request.body.isEmpty { return .success([]) }
        if TwilioWebhook.fieldCount(request.body) > limits.maxFields {
            return refuse(.payloadTooLarge, "more than \(limits.maxFields) form fields")
        }
        do {
            return .success(try request.formItems())
        } catch let error as HTTPErrorConvertible {
            return .failure(error.httpError)
        } catch {
            return refuse(.badRequest, "the form body could not be decoded")
        }
    }

    /// The keys a signature may have been made with: the auth token without the settings
    /// header; the shared keys with the header's algorithm; else what is wrong, in words.
    func signingKeys(settings: String?) throws(SignatureSettingsError) -> [RequestSignature] {
        guard let settings, !settings.isEmpty else { return [signature] }
        guard let name = TwilioWebhook.algorithmName(in: settings) else {
            throw SignatureSettingsError("\(TwilioWebhook.signatureSettingsHeader) names no algorithm")
        }
        guard let algorithm = RequestSignature.Algorithm(rawValue: name.uppercased()) else {
            throw SignatureSettingsError("\(TwilioWebhook.signatureSettingsHeader): algorithm \(name.prefix(40)) is not supported (HMAC_SHA1, HMAC_SHA256)")
        }
        guard !sharedKeys.isEmpty else {
            throw SignatureSettingsError("signed with a shared key, but [twilio] webhook_shared_key is not set")
        }
        return sharedKeys.map { RequestSignature(key: $0, algorithm: algorithm) }
    }

    /// True for GET (and HEAD): the parameters are the query, not a form body.
    static func carriesQuery(_ request: Request) -> Bool {
        request.method == "GET" || request.method == "HEAD"
    }

    /// `HMAC_SHA256` from `key=webhooks_sharedkey_...,algorithm=HMAC_SHA256`.
    static func algorithmName(in settings: String) -> String? {
        for part in settings.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pieces.count == 2, trimmed(pieces[0]) == "algorithm" else { continue }
            let value = trimmed(pieces[1])
            if !value.isEmpty { return String(value) }
        }
        return nil
    }

    /// Fields in `a=1&b=2`: one more than the `&`s, counted with `memchr` without decoding anything.
    static func fieldCount(_ bytes: [UInt8]) -> Int {
        bytes.withUnsafeBytes { fieldCount($0) }
    }

    static func fieldCount(_ text: String) -> Int {
        var text = text
        return text.withUTF8 { fieldCount(UnsafeRawBufferPointer($0)) }
    }

    static func fieldCount(_ bytes: UnsafeRawBufferPointer) -> Int {
        guard var cursor = bytes.baseAddress, !bytes.isEmpty else { return 0 }
        var remaining = bytes.count
        var count = 1
        while remaining > 0, let found = memchr(cursor, Int32(UInt8(ascii: "&")), remaining) {
            let step = UnsafeRawPointer(found) - cursor + 1
            cursor += step
            remaining -= step
            count += 1
        }
        return count
    }

    private func refuse(_ status: HTTPStatus, _ message: String) -> Result<[(String, String)], HTTPError> {
        .failure(HTTPError(status, message))
    }

    private static func trimmed(_ text: Substring) -> Substring {
        var text = text
        while text.first == " " || text.first == "\t" { text.removeFirst() }
        while text.last == " " || text.last == "\t" { text.removeLast() }
        return text
    }

    static func origin(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return url }
        let rest = url[schemeEnd.upperBound...]
        if let slash = rest.firstIndex(of: "/") { return String(url[..<slash]) }
        return url
    }
}

/// What is wrong with a request's `X-Twilio-Webhooks-Signature-Settings`, in words.
struct SignatureSettingsError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}
