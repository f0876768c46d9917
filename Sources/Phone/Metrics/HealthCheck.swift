import Web

/// `GET /healthz`, for load balancers, systemd watchdogs and people: no login, no secrets.
/// 200 `{"status":"ok",...}` while the server listens with its config loaded; 503 with status
/// `starting` or `stopping` otherwise, so a proxy stops sending traffic during a shutdown.
public struct HealthCheck: Sendable {
    public let metrics: PhoneMetrics

    public init(metrics: PhoneMetrics) {
        self.metrics = metrics
    }

    /// The answer for the server as it is now (nil: not listening yet).
    public func response(server: HTTPServer?) -> Response {
        let status: String
        if let server {
            status = server.isStopping ? "stopping" : "ok"
        } else {
            status = "starting"
        }
        let body = JSON.object([
            ("status", .string(status)),
            ("uptime", .int(Int(metrics.server.uptimeSeconds))),
            ("connections", .int(server?.connectionCount ?? 0)),
            ("websockets", .int(max(0, metrics.server.webSocketsOpen.value))),
            ("config", .string(metrics.lastReloadWorked ? "loaded" : "reload failed; running the previous config")),
        ])
        return .json(body.text, status: status == "ok" ? .ok : .serviceUnavailable)
    }
}
