import Outbound

/// One hook POST: the JSON body `{"id", "type", "created", "data"}` and its signed request.
/// The `id` stays the same across retries so a receiver can drop duplicates.
public struct HookDelivery: Sendable {
    public var id: String
    public var kind: String
    public var url: String
    public var body: [UInt8]
    public var created: Int

    public init(id: String, kind: String, url: String, data: JSON, created: Int) {
        self.id = id
        self.kind = kind
        self.url = url
        self.created = created
        body = Array(JSON.object([
            ("id", .string(id)), ("type", .string(kind)), ("created", .int(created)), ("data", data),
        ]).text.utf8)
    }

    /// The request, signed at `now`; a retry signs again with its own time.
    public func request(secret: String, now: Int, timeoutSeconds: Int) -> OutboundRequest {
        let signature = HookSignature(secret: secret, timestamp: now, body: body)
        return OutboundRequest(
            method: "POST", url: url,
            headers: [OutboundHeader("Content-Type", "application/json"),
                      OutboundHeader(HookSignature.header, signature.headerValue),
                      OutboundHeader("X-Shetphone-Event", kind),
                      OutboundHeader("X-Shetphone-Delivery", id)],
            body: body, timeoutSeconds: timeoutSeconds,
            // The delivery id lets receivers drop a duplicate, so timeouts and 5xx are retried too.
            safeToRepeat: true)
    }
}
