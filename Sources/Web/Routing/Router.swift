import Logging

/// Maps method + path to handlers: static segments, `:name` parameters and a trailing `*name`;
/// answers 404, and 405 with `Allow` when the path exists for other methods. HEAD is served by the
/// GET route (the server drops the body). Paths no route knows go to the fallback (static files).
///
/// With a `basePath` ("/shetphone") routes are registered without it, requests outside it get 404,
/// and handlers see `request.path` relative to it (`target` stays as sent, for signatures and logs).
///
/// Add every route before the server starts: lookups then run on all loops at once without a lock.
public final class Router: @unchecked Sendable {
    /// "" or a prefix like "/shetphone" (normalised: leading slash, no trailing slash).
    public let basePath: String
    public var logger: Logger
    private let basePathWithSlash: String
    private let root = RouteNode()
    private var fallbackEndpoint: RouteEndpoint?

    public init(basePath: String = "", logger: Logger = Logger(label: "web.router")) {
        var base = basePath
        while base.hasSuffix("/") { base.removeLast() }
        if !base.isEmpty && !base.hasPrefix("/") { base = "/" + base }
        self.basePath = base
        self.basePathWithSlash = base + "/"
        self.logger = logger
    }

    // MARK: Registering

    /// Adds a route whose handler answers through its `Responder`, now or later.
    ///
    /// - `maxBodyBytes`: the largest request body this route accepts (it can only lower
    ///   `Limits.maxBodyBytes`). A longer `Content-Length` is answered 413 from the head, before
    ///   any body byte is read; a chunked body gets 413 as soon as it passes the limit.
    /// - `acceptsTrailingSlash`: `/voice/` reaches this route (registered as `/voice`) too, as
    ///   long as no route is registered with the slash. Only for paths with no folder of files
    ///   behind them: the route wins over the static fallback for the slashed form.
    public func add(_ method: String, _ path: String, maxBodyBytes: Int? = nil, acceptsTrailingSlash: Bool = false,
                    _ handler: @escaping Handler) {
        insert(method, path, RouteEndpoint(action: .handle(handler), pattern: path, maxBodyBytes: maxBodyBytes),
               acceptsTrailingSlash: acceptsTrailingSlash)
    }

    /// Adds a synchronous route. A thrown `HTTPError` (or `HTTPErrorConvertible`) becomes its
    /// response (400 for a bad escape, 415 for a wrong form type); any other error is logged and
    /// answered with a bare 500. `maxBodyBytes` and `acceptsTrailingSlash` as above.
    public func add(_ method: String, _ path: String, maxBodyBytes: Int? = nil, acceptsTrailingSlash: Bool = false,
                    respond: @escaping (Request) throws -> Response) {
        insert(method, path, RouteEndpoint(action: .respond(respond), pattern: path, maxBodyBytes: maxBodyBytes),
               acceptsTrailingSlash: acceptsTrailingSlash)
    }

    public func get(_ path: String, acceptsTrailingSlash: Bool = false, _ respond: @escaping (Request) throws -> Response) {
        add("GET", path, acceptsTrailingSlash: acceptsTrailingSlash, respond: respond)
    }

    public func post(_ path: String, maxBodyBytes: Int? = nil, acceptsTrailingSlash: Bool = false,
                     _ respond: @escaping (Request) throws -> Response) {
        add("POST", path, maxBodyBytes: maxBodyBytes, acceptsTrailingSlash: acceptsTrailingSlash, respond: respond)
    }

    public func put(_ path: String, maxBodyBytes: Int? = nil, _ respond: @escaping (Request) throws -> Response) {
        add("PUT", path, maxBodyBytes: maxBodyBytes, respond: respond)
    }

    public func delete(_ path: String, _ respond: @escaping (Request) throws -> Response) {
        add("DELETE", path, respond: respond)
    }

    /// Handles every path that no route matches (any method), e.g. `StaticFiles.handler`.
    public func fallback(_ handler: @escaping Handler) {
        fallbackEndpoint = RouteEndpoint(action: .handle(handler), pattern: Router.fallbackRoute, maxBodyBytes: nil)
    }

    /// Synchronous fallback, e.g. `StaticFiles.respond(to:)`.
    public func fallback(_ respond: @escaping (Request) throws -> Response) {
        fallbackEndpoint = RouteEndpoint(action: .respond(respond), pattern: Router.fallbackRoute, maxBodyBytes: nil)
    }

    /// The `route` of requests the fallback serves.
    public static let fallbackRoute = "static"

    // MARK: Serving

    /// The closure to give the server.
    public var handler: Handler {
        { [self] request, responder in
            switch resolve(request) {
            case .response(let response): responder.send(response)
            case .handler(let handler, let routed):
                var responder = responder
                responder.route = routed.route
                handler(routed, responder)
            }
        }
    }

    /// The closure to give the server (`HTTPServer(..., bodyLimit: router.bodyLimit)`): a route's
    /// `maxBodyBytes` for a request head, so an over-long body is refused before it is read.
    public var bodyLimit: BodyLimit {
        { [self] method, target in
            guard let path = try? RequestTarget.split(target).path,
                  case .endpoint(let endpoint, _, _) = locate(method, path) else { return nil }
            return endpoint.maxBodyBytes
        }
    }

    /// Finds the route for `request` and, for synchronous routes, runs it.
    public func resolve(_ request: consuming Request) -> RouteResult {
        // Consumed, not copied: the request the server built is the one handlers get.
        if !basePath.isEmpty && request.path == basePath {
            // "/shetphone" -> "/shetphone/", so relative links in the index page resolve under the base.
            let location = basePathWithSlash + (request.query.isEmpty ? "" : "?" + request.query)
            return .response(.redirect(to: location, status: .movedPermanently))
        }
        switch locate(request.method, request.path) {
        case .response(let response):
            return .response(response)
        case .endpoint(let endpoint, let path, let captured):
            request.path = path
            if !captured.isEmpty {
                for (name, value) in captured { request.parameters[name] = String(value) }
            }
            // The server checks the limit on the head; this holds for a server built without `bodyLimit`.
            if let limit = endpoint.maxBodyBytes, request.body.count > limit {
                var response = HTTPError(.payloadTooLarge, "a request body here is at most \(limit) bytes").response
                response.route = endpoint.pattern
                return .response(response)
            }
            return run(endpoint, request)
        }
    }

    private enum Location {
        case response(Response)
        /// The endpoint, the path as handlers see it (without the base path), the parameters.
        case endpoint(RouteEndpoint, String, [(String, Substring)])
    }

    private func locate(_ method: String, _ fullPath: String) -> Location {
        var path = fullPath
        if !basePath.isEmpty {
            if path == basePath {
                return .response(.error(.notFound))
            }
            guard path.hasPrefix(basePathWithSlash) else { return .response(.error(.notFound)) }
            path = String(path.utf8.dropFirst(basePath.utf8.count)) ?? "/"
        }
        guard path.utf8.first == Router.slash else { return .response(.error(.notFound)) }
        // Most static files: a first segment that no route starts with, at a root with no
        // parameter or wildcard, is the fallback's (what the walk below would conclude, without
        // splitting the rest of the path).
        if root.parameter == nil, root.wildcard == nil, root.child(named: Router.firstSegment(of: path)) == nil {
            if let fallbackEndpoint { return .endpoint(fallbackEndpoint, path, []) }
            return .response(.error(.notFound))
        }

        var captured: [(String, Substring)] = []
        var allowed: [String] = []
        // The segments live on the stack for the walk (a path has a bounded length): no array per request.
        let count = Router.slashCount(path)
        let found = withUnsafeTemporaryAllocation(of: Substring.self, capacity: count) { storage in
            let segments = Router.segments(of: path, into: storage)
            defer { _ = UnsafeMutableBufferPointer(rebasing: storage[0..<segments.count]).deinitialize() }
            return find(root, segments, 0, method, &captured, &allowed)
        }
        if let endpoint = found {
            return .endpoint(endpoint, path, captured)
        }
        if !allowed.isEmpty {
            let allow = Set(allowed).sorted().joined(separator: ", ")
            return .response(HTTPError(.methodNotAllowed, "\(method) is not allowed here; use \(allow)")
                .adding("Allow", allow).response)
        }
        if let fallbackEndpoint { return .endpoint(fallbackEndpoint, path, []) }
        return .response(.error(.notFound))
    }

    /// The response for an error a handler threw: its own `HTTPError` when it is one (or an
    /// `HTTPErrorConvertible`), else 500 (logged; the client learns nothing of the internals).
    public func response(for error: Error, to request: Request) -> Response {
        if let error = error as? HTTPErrorConvertible { return error.httpError.response }
        logger.error("\(request.method) \(request.path.prefix(200)) failed: \(error)")
        return HTTPError.internalServerError.response
    }

    // MARK: Internals

    private static let slash = UInt8(ascii: "/")

    private func run(_ endpoint: RouteEndpoint, _ request: consuming Request) -> RouteResult {
        request.route = endpoint.pattern
        switch endpoint.action {
        case .handle(let handler):
            return .handler(handler, consume request)
        case .respond(let respond):
            var answer: Response
            do {
                answer = try respond(request)
            } catch {
                answer = response(for: error, to: request)
            }
            answer.route = endpoint.pattern
            return .response(answer)
        }
    }

    /// How many "/" `path` holds: a scan of its bytes.
    static func slashCount(_ path: String) -> Int {
        path.utf8.withContiguousStorageIfAvailable { bytes in
            var count = 0
            for byte in bytes where byte == slash { count += 1 }
            return count
        } ?? path.utf8.reduce(0) { $1 == slash ? $0 + 1 : $0 }
    }

    /// What follows the leading slash up to the next one (`file.txt` of `/file.txt`, `api` of `/api/me`).
    static func firstSegment(of path: String) -> Substring {
        let utf8 = path.utf8
        let end = utf8.withContiguousStorageIfAvailable { bytes in
            bytes.dropFirst().firstIndex(of: slash) ?? bytes.count
        }
        guard let end else { return path.dropFirst().prefix { $0 != "/" } }
        return path[utf8.index(after: utf8.startIndex)..<utf8.index(utf8.startIndex, offsetBy: end)]
    }

    /// "/a/b/" -> ["a", "b", ""]; "/" -> [""]. Slices of `path`, nothing copied.
    static func segments(of path: String) -> [Substring] {
        let count = slashCount(path)
        return [Substring](unsafeUninitializedCapacity: max(1, count)) { buffer, initialized in
            initialized = segments(of: path, into: buffer).count
        }
    }

    /// `segments(of:)` written into `storage` (one element per "/" in `path`, which starts with
    /// one); returns the initialized front. The caller deinitializes it.
    static func segments(of path: String, into storage: UnsafeMutableBufferPointer<Substring>)
        -> UnsafeBufferPointer<Substring> {
        let utf8 = path.utf8
        var count = 0
        // The slashes found on the bytes; each segment is then one slice (UTF-8 offsets are O(1)).
        let found = utf8.withContiguousStorageIfAvailable { bytes -> Int in
            guard !bytes.isEmpty else { return 0 }
            var found = 0
            var start = 1
            for end in 1...bytes.count where end == bytes.count || bytes[end] == slash {
                let lower = utf8.index(utf8.startIndex, offsetBy: start)
                (storage.baseAddress! + found).initialize(to: path[lower..<utf8.index(lower, offsetBy: end - start)])
                found += 1
                start = end + 1
            }
            return found
        }
        if let found { return UnsafeBufferPointer(rebasing: storage[0..<found]) }
        var start = utf8.index(after: utf8.startIndex)
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == slash {
                (storage.baseAddress! + count).initialize(to: path[start..<index])
                count += 1
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        (storage.baseAddress! + count).initialize(to: path[start..<utf8.endIndex])
        count += 1
        return UnsafeBufferPointer(rebasing: storage[0..<count])
    }

    /// Depth-first: static child, then parameter, then wildcard, backing out of dead ends so
    /// `/users/me` (GET only) does not hide `DELETE /users/:id`. Collects the methods of paths
    /// that matched without the method, for 405.
    private func find(_ node: RouteNode, _ segments: UnsafeBufferPointer<Substring>, _ index: Int, _ method: String,
                      _ captured: inout [(String, Substring)], _ allowed: inout [String]) -> RouteEndpoint? {
        if index == segments.count {
            if let endpoint = node.endpoint(for: method) { return endpoint }
            if !node.endpoints.isEmpty { allowed.append(contentsOf: node.allowedMethods) }
        } else {
            let segment = segments[index]
            if let child = node.child(named: segment),
               let found = find(child, segments, index + 1, method, &captured, &allowed) {
                return found
            }
            if let parameter = node.parameter, !segment.isEmpty {
                captured.append((parameter.name, segment))
                if let found = find(parameter.node, segments, index + 1, method, &captured, &allowed) {
                    return found
                }
                captured.removeLast()
            }
        }
        if let wildcard = node.wildcard {
            if let endpoint = wildcard.node.endpoint(for: method) {
                let rest: Substring
                if index < segments.count {
                    let first = segments[index]
                    rest = first.base[first.startIndex...]
                } else {
                    rest = ""
                }
                captured.append((wildcard.name, rest))
                return endpoint
            }
            allowed.append(contentsOf: wildcard.node.allowedMethods)
        }
        return nil
    }

    private func insert(_ method: String, _ pattern: String, _ endpoint: RouteEndpoint, acceptsTrailingSlash: Bool) {
        precondition(endpoint.maxBodyBytes.map { $0 >= 0 } ?? true, "route \(pattern): maxBodyBytes must not be negative")
        insert(method, pattern, endpoint)
        if acceptsTrailingSlash && !pattern.hasSuffix("/") && !pattern.contains("*") {
            let slashed = pattern + "/"
            if node(for: slashed).endpoints[method] == nil { insert(method, slashed, endpoint) }
        }
    }

    /// The node a pattern ends at, created as needed.
    private func node(for pattern: String) -> RouteNode {
        precondition(pattern.hasPrefix("/"), "route \(pattern.debugDescription) must start with /")
        var node = root
        let parts = Router.segments(of: pattern)
        for (position, part) in parts.enumerated() {
            if part.hasPrefix(":") {
                let name = String(part.dropFirst())
                precondition(!name.isEmpty, "route \(pattern): parameter needs a name")
                if let existing = node.parameter {
                    precondition(existing.name == name,
                                 "route \(pattern): :\(name) conflicts with :\(existing.name) at the same place")
                    node = existing.node
                } else {
                    let child = RouteNode()
                    node.parameter = (name, child)
                    node = child
                }
            } else if part.hasPrefix("*") {
                let name = String(part.dropFirst())
                precondition(!name.isEmpty, "route \(pattern): wildcard needs a name")
                precondition(position == parts.count - 1, "route \(pattern): *\(name) must be the last segment")
                if let existing = node.wildcard {
                    precondition(existing.name == name, "route \(pattern): *\(name) conflicts with *\(existing.name)")
                    node = existing.node
                } else {
                    let child = RouteNode()
                    node.wildcard = (name, child)
                    node = child
                }
            } else if let child = node.child(named: part) {
                node = child
            } else {
                let child = RouteNode()
                node.addChild(named: part, child)
                node = child
            }
        }
        return node
    }

    /// Routes are code, not input: a malformed pattern is a programming error caught at startup.
    private func insert(_ method: String, _ pattern: String, _ endpoint: RouteEndpoint) {
        precondition(Cookies.isToken(method), "route method \(method.debugDescription) is not an HTTP token")
        let node = node(for: pattern)
        precondition(node.endpoints[method] == nil, "route \(method) \(pattern) is registered twice")
        node.endpoints[method] = endpoint
    }
}
