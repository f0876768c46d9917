import Outbound

/// Twilio's REST API (version 2010-04-01) for this account, spoken over the outbound client:
/// never on an event loop; every result arrives on the outbound thread.
///
/// Requests authenticate with HTTP Basic: the account SID and auth token by default, or an
/// API key SID and secret. `[twilio] api_base_url` points it at another host (a test's fake).
public final class TwilioAPI: @unchecked Sendable {
    public static let defaultBaseURL = "https://api.twilio.com"

    public let baseURL: String
    public let accountSID: String
    let login: BasicCredentials
    let client: OutboundClient
    /// Seconds a JSON call may take; a media stream may stall this long.
    public var timeoutSeconds = 15
    /// A recording larger than this is refused rather than held (the longest voicemail is far smaller).
    public var maxMediaBytes = 32 << 20

    public init(baseURL: String = TwilioAPI.defaultBaseURL, accountSID: String, login: BasicCredentials,
                client: OutboundClient) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.accountSID = accountSID
        self.login = login
        self.client = client
    }

    /// With the settings' account SID and auth token.
    public convenience init(settings: TwilioSettings, client: OutboundClient) {
        self.init(baseURL: settings.apiBaseURL, accountSID: settings.accountSID,
                  login: BasicCredentials(user: settings.accountSID, password: settings.authToken), client: client)
    }

    /// `https://api.twilio.com/2010-04-01/Accounts/AC.../<path>`
    public func url(_ path: String) -> String {
        "\(baseURL)/2010-04-01/Accounts/\(accountSID)\(path.hasPrefix("/") || path.hasPrefix(".") ? "" : "/")\(path)"
    }

    // MARK: resources

    /// `GET /Accounts/{AccountSid}.json`: proves the credentials and the address work.
    public func fetchAccount(_ completion: @escaping @Sendable (Result<JSON, TwilioAPIError>) -> Void) {
        get(".json", resource: "account \(accountSID)", completion)
    }

    /// `GET /Recordings/{Sid}.json`: the recording's metadata (duration, call, status).
    public func fetchRecording(_ sid: String, _ completion: @escaping @Sendable (Result<TwilioRecording, TwilioAPIError>) -> Void) {
        guard let path = recordingPath(sid, ".json", completion) else { return }
        get(path, resource: "recording \(sid)") { result in
            completion(result.flatMap { json in
                TwilioRecording(json: json).map { .success($0) }
                    ?? .failure(.unexpectedResponse(resource: "recording \(sid)", detail: "no sid in the JSON"))
            })
        }
    }

    /// `GET /Recordings/{Sid}.mp3` (or `.wav`): the audio, handed to `onChunk` as it arrives;
    /// `completion` gets the media type once the last piece went out.
    public func streamRecordingMedia(_ sid: String, format: TwilioRecording.Format = .mp3,
                                     onChunk: @escaping @Sendable ([UInt8]) -> Void,
                                     completion: @escaping @Sendable (Result<String, TwilioAPIError>) -> Void) {
        guard let path = recordingPath(sid, "." + format.rawValue, completion) else { return }
        let resource = "recording \(sid)"
        // Twilio may answer the media URL with a redirect to short-lived storage; libcurl follows
        // it over HTTPS and does not carry our credentials to another host.
        let request = OutboundRequest(url: url(path), basicAuth: login, timeoutSeconds: timeoutSeconds,
                                      maxResponseBytes: maxMediaBytes, followRedirects: true)
        client.stream(request, onChunk: onChunk) { result in
            completion(TwilioAPI.check(result, resource: resource).map { response in
                response[header: "Content-Type"] ?? format.mediaType
            })
        }
    }

    /// `DELETE /Recordings/{Sid}.json`: 204 when deleted. A recording already gone counts as deleted.
    public func deleteRecording(_ sid: String, _ completion: @escaping @Sendable (Result<Void, TwilioAPIError>) -> Void) {
        guard let path = recordingPath(sid, ".json", completion) else { return }
        send(OutboundRequest(method: "DELETE", url: url(path), basicAuth: login, timeoutSeconds: timeoutSeconds),
             resource: "recording \(sid)") { result in
            switch result {
            case .success, .failure(.api(status: 404, _, _, _)): completion(.success(()))
            case .failure(let error): completion(.failure(error))
            }
        }
    }

    /// `GET /Calls/{Sid}.json`: where a call stands now (status, duration, end time).
    public func fetchCall(_ sid: String, _ completion: @escaping @Sendable (Result<TwilioCall, TwilioAPIError>) -> Void) {
        guard TwilioAPI.isSID(sid, prefix: "CA") else { return completion(.failure(.invalidSID(sid, expected: "CA"))) }
        get("/Calls/\(sid).json", resource: "call \(sid)") { result in
            completion(result.flatMap { json in
                TwilioCall(json: json).map { .success($0) }
                    ?? .failure(.unexpectedResponse(resource: "call \(sid)", detail: "no sid or status in the JSON"))
            })
        }
    }

    /// `POST /Messages.json`: sends a text from one of our numbers.
    public func createMessage(from: String, to: String, body: String, statusCallback: String? = nil,
                              _ completion: @escaping @Sendable (Result<JSON, TwilioAPIError>) -> Void) {
        var form = [("From", from), ("To", to), ("Body", body)]
        if let statusCallback { form.append(("StatusCallback", statusCallback)) }
        post("/Messages.json", form: form, resource: "message to \(to)", completion)
    }

    // MARK: generic calls (new resources are one line on top of these)

    /// `GET` a JSON resource under the account.
    public func get(_ path: String, resource: String, _ completion: @escaping @Sendable (Result<JSON, TwilioAPIError>) -> Void) {
        send(OutboundRequest(url: url(path), basicAuth: login, timeoutSeconds: timeoutSeconds),
             resource: resource, completion)
    }

    /// `POST` a form to a JSON resource under the account (creating or updating it). Retried only
    /// on 429, which Twilio answers before doing anything, so a message is never sent twice.
    public func post(_ path: String, form: [(String, String)], resource: String,
                     _ completion: @escaping @Sendable (Result<JSON, TwilioAPIError>) -> Void) {
        let request = OutboundRequest(method: "POST", url: url(path),
                                      headers: [OutboundHeader("Content-Type", "application/x-www-form-urlencoded")],
                                      body: Array(FormEncoding.encode(form).utf8), basicAuth: login,
                                      timeoutSeconds: timeoutSeconds)
        send(request, resource: resource, completion)
    }

    /// `DELETE` a resource under the account.
    public func delete(_ path: String, resource: String, _ completion: @escaping @Sendable (Result<JSON, TwilioAPIError>) -> Void) {
        send(OutboundRequest(method: "DELETE", url: url(path), basicAuth: login, timeoutSeconds: timeoutSeconds),
             resource: resource, completion)
    }

    func send(_ request: OutboundRequest, resource: String,
              _ completion: @escaping @Sendable (Result<JSON, TwilioAPIError>) -> Void) {
        client.send(request) { result in
            completion(TwilioAPI.check(result, resource: resource).flatMap { response in
                // DELETE answers 204 with no body.
                if response.body.isEmpty { return .success(.null) }
                do { return .success(try JSONParser.parse(response.body)) } catch {
                    return .failure(.unexpectedResponse(resource: resource, detail: "body is not JSON: \(error)"))
                }
            })
        }
    }

    /// A 2xx response, or the error Twilio's JSON body (`code`, `message`) describes.
    static func check(_ result: Result<OutboundResponse, OutboundError>, resource: String) -> Result<OutboundResponse, TwilioAPIError> {
        switch result {
        case .failure(let error):
            return .failure(.unreachable(resource: resource, error))
        case .success(let response) where response.isSuccess:
            return .success(response)
        case .success(let response):
            let json = try? JSONParser.parse(response.body)
            return .failure(.api(status: response.status, code: json?["code"]?.intValue,
                                 message: json?["message"]?.stringValue ?? response.bodyText(limit: 200),
                                 resource: resource))
        }
    }

    private func recordingPath<T>(_ sid: String, _ suffix: String,
                                  _ completion: (Result<T, TwilioAPIError>) -> Void) -> String? {
        guard TwilioAPI.isSID(sid, prefix: "RE") else {
            completion(.failure(.invalidSID(sid, expected: "RE")))
            return nil
        }
        return "/Recordings/\(sid)\(suffix)"
    }

    /// `prefix` and 32 hex digits: the only shape that goes into a URL path.
    public static func isSID(_ sid: String, prefix: String) -> Bool {
        let hex = sid.utf8.dropFirst(2)
        return sid.hasPrefix(prefix) && hex.count == 32
            && hex.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }
    }
}
