import Outbound

extension TwilioAPI {
    /// `GET /Messages/{MM}/Media/{ME}`: the picture of an MMS and its content type. The URL is
    /// built from our own API base and checked SIDs (never one a request gave), so our
    /// credentials go to Twilio only; the redirect to storage is followed without them.
    func fetchMessageMedia(messageSID: String, mediaSID: String,
                           _ completion: @escaping @Sendable (Result<(String, [UInt8]), TwilioAPIError>) -> Void) {
        guard TwilioAPI.isSID(messageSID, prefix: "MM") || TwilioAPI.isSID(messageSID, prefix: "SM") else {
            return completion(.failure(.invalidSID(messageSID, expected: "MM")))
        }
        guard TwilioAPI.isSID(mediaSID, prefix: "ME") else { return completion(.failure(.invalidSID(mediaSID, expected: "ME"))) }
        let resource = "media \(mediaSID) of \(messageSID)"
        let request = OutboundRequest(url: url("/Messages/\(messageSID)/Media/\(mediaSID)"), basicAuth: login,
                                      timeoutSeconds: timeoutSeconds, maxResponseBytes: maxMediaBytes, followRedirects: true)
        client.send(request) { result in
            completion(TwilioAPI.check(result, resource: resource).map { response in
                (response[header: "Content-Type"] ?? "application/octet-stream", response.body)
            })
        }
    }
}
