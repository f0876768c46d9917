/// One path segment position in the route tree. Static children are found by their length, then
/// their bytes, on a slice of the request path (no copy, no hashing, no regex); a `:name` child and
/// a `*name` tail come after.
final class RouteNode {
    /// The static children, in the order they were added (`addChild`): their lengths apart from
    /// their names, so finding one scans plain integers and compares bytes only where they agree.
    private var childLengths: [Int] = []
    private var childNames: [Substring] = []
    private var childNodes: [RouteNode] = []
    var parameter: (name: String, node: RouteNode)?
    /// `*name`: takes the rest of the path (zero or more segments).
    var wildcard: (name: String, node: RouteNode)?
    /// Method -> endpoint for a route ending here.
    var endpoints: [String: RouteEndpoint] = [:]

    /// The static child called `segment`. A node has a few dozen children at most: comparing
    /// lengths (and bytes only where they agree) costs less than hashing the segment.
    /// The lists are read into locals first, and only ever replaced whole: every access to the
    /// properties is a load or a store, which Swift need not check at run time.
    func child(named segment: Substring) -> RouteNode? {
        let length = segment.utf8.count
        let lengths = childLengths
        for index in lengths.indices where lengths[index] == length {
            let names = childNames
            if names[index] == segment { return childNodes[index] }
        }
        return nil
    }

    func addChild(named name: Substring, _ node: RouteNode) {
        let owned = Substring(String(name))
        var lengths = childLengths, names = childNames, nodes = childNodes
        childLengths = []
        childNames = []
        childNodes = []
        lengths.append(owned.utf8.count)
        names.append(owned)
        nodes.append(node)
        childLengths = lengths
        childNames = names
        childNodes = nodes
    }

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
