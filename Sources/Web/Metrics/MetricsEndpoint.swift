/// `GET /metrics`: a registry in the Prometheus text format, for the addresses allowed to read
/// it. The address checked is `request.origin.clientAddress`, which behind a trusted proxy is
/// the real client: a scrape from outside that comes through NGINX is refused like any other.
public struct MetricsEndpoint: Sendable {
    public let registry: MetricsRegistry
    /// Who may read the metrics (`[app] metrics_allow`): single addresses or CIDR ranges.
    public let allowed: TrustedProxies

    public init(registry: MetricsRegistry, allowed: TrustedProxies) {
        self.registry = registry
        self.allowed = allowed
    }

    /// 200 with the metrics, or 403 for an address not in `allowed`.
    public func respond(to request: Request) -> Response {
        guard allowed.contains(request.origin.clientAddress) else {
            var refusal = Response.error(.forbidden, "metrics are only served to the addresses in metrics_allow")
            refusal.headers.set("Cache-Control", "no-store")
            return refusal
        }
        var headers = HTTPHeaders()
        headers.add("Content-Type", PrometheusText.contentType)
        headers.add("Cache-Control", "no-store")
        return Response(status: .ok, headers: headers, body: Array(registry.render().utf8))
    }
}
