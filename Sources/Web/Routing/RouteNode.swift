/// One path segment position in the route tree. Static children are found by dictionary lookup
/// on a slice of the request path (no copy, no regex); a `:name` child and a `*name` tail come after.
final class RouteNode {
    var children: [Substring: RouteNode] = [:]
    var parameter: (name: String, node: RouteNode)?
    /// `*name`: takes the rest of the path (zero or more segments).
    var wildcard: (name: String, node: RouteNode)?
    /// Method -> endpoint for a route ending here.
    var endpoints: [String: RouteEndpoint] = [:]

    /// The endpoint for `method`; HEAD falls back to GET (the server drops the body).
    @inline(__always)
    func endpoint(for method: String) -> RouteEndpoint? {
        if let endpoint = endpoints[method] { return endpoint }
        return method == "HEAD" ? endpoints["GET"] : nil
    }

    /// The methods allowed here, for `Allow`: HEAD is listed wherever GET is.
    var allowedMethods: [String] {
        var methods = Array(endpoints.keys)
        if endpoints["GET"] != nil && endpoints["HEAD"] == nil { methods.append("HEAD") }
        return methods
    }
}
