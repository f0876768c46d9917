import Glibc
import Logging

/// Serves the files under a root directory (`Public/`) for GET and HEAD: MIME types, `index.html`
/// for directories, ETag and Last-Modified with 304s, gzip when the client takes it and it helps.
///
/// Nothing outside the root is reachable: unsafe request paths are refused before touching the disk,
/// and the opened file's real path (symlinks resolved) must lie under the root's real path. Every
/// refusal is a 404, so a prober learns nothing about what exists elsewhere.
///
/// Small files stay in memory (bounded), checked by one `stat` at most once a second each
/// (`revalidateMillis`, like NGINX's `open_file_cache_valid`), so an edit on disk is served
/// within a second; a loop answering thousands of requests a second does not `stat` for each.
public final class StaticFiles: @unchecked Sendable {
    /// Absolute path of the root, as given (a symlink is fine: it is resolved per load).
    public let root: String
    /// For HTML: revalidate every time, so a new dialer is picked up at once.
    public let htmlCacheControl: String
    /// For everything else.
    public let cacheControl: String
    /// Files up to this size are kept in memory (1 MiB); larger ones are sent from the open file
    /// with `sendfile(2)` on each request. Either answers a single `Range` with 206.
    public let maxCachedFileBytes: Int
    /// Files over this size are not served at all (64 MiB).
    public let maxFileBytes: Int
    /// How long a cached file is served without a fresh `stat` (1,000 ms; 0 checks every request).
    public let revalidateMillis: UInt64
    /// Fields every HTML file carries in its 200s (the application's `Content-Security-Policy`),
    /// encoded into the cached head once instead of added per response.
    public let pageFields: HTTPHeaders
    public var logger: Logger
    private let cache: StaticFileCache

    public init(root: String, htmlCacheControl: String = "no-cache", cacheControl: String = "public, max-age=3600",
                maxCacheBytes: Int = 32 * 1024 * 1024, maxCachedFileBytes: Int = 1024 * 1024,
                maxFileBytes: Int = 64 * 1024 * 1024, revalidateMillis: UInt64 = 1_000,
                pageFields: HTTPHeaders = HTTPHeaders(), logger: Logger = Logger(label: "web.static")) {
        var path = root
        if !path.hasPrefix("/") {
            // Made absolute now so a later chdir cannot move the root.
            var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            if getcwd(&buffer, buffer.count) != nil {
                let cwd = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                path = (cwd == "/" ? "" : cwd) + "/" + path
            }
        }
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        self.root = path
        self.htmlCacheControl = htmlCacheControl
        self.cacheControl = cacheControl
        self.maxCachedFileBytes = maxCachedFileBytes
        self.maxFileBytes = maxFileBytes
        self.revalidateMillis = revalidateMillis
        self.pageFields = pageFields
        self.logger = logger
        cache = StaticFileCache(maxBytes: maxCacheBytes)
    }

    /// The `Handler` to give the router as its fallback (or the server directly).
    public var handler: Handler {
        { [self] request, responder in responder.send(respond(to: request)) }
    }

    /// Bytes held by the in-memory cache now.
    public var cachedBytes: Int { cache.byteCount }

    /// The whole answer for `request`, synchronously.
    public func respond(to request: Request) -> Response {
        guard request.method == "GET" || request.method == "HEAD" else {
            var response = Response.error(.methodNotAllowed, "\(request.method) is not allowed for files; use GET or HEAD")
            response.headers.set("Allow", "GET, HEAD")
            return response
        }
        // A plain target (no escape, query or base path: the router's path shares its storage, so
        // this is a pointer compare) that is a cached path was checked when it was stored.
        let isPlain = request.target == request.path
        guard isPlain || StaticFilePath.isAllowed(target: request.target, path: request.path) else {
            return .error(.notFound)
        }
        // Keyed by the request path itself: a hit builds no string at all.
        let now = coarseMonotonicMillis()
        if let (file, due) = cache.file(for: request.path, now: now, revalidateMillis: revalidateMillis) {
            if !due {
                return file.response(to: request)
            }
            if let current = FileIdentity(cPath: file.cPath), current == file.identity {
                return file.response(to: request)
            }
            cache.remove(request.path)
        }
        guard !isPlain || StaticFilePath.isAllowed(target: request.target, path: request.path) else {
            return .error(.notFound)
        }
        return load(request)
    }

    // MARK: Loading

    private func load(_ request: Request) -> Response {
        let relative = StaticFilePath.relativeFile(for: request.path)
        let fullPath = root == "/" ? "/" + relative : root + "/" + relative
        // stat before open: never open a FIFO or a device that happens to sit under the root.
        guard let seen = FileIdentity(path: fullPath), seen.isRegularFile || seen.isDirectory else {
            return .error(.notFound)
        }
        let fd = open(fullPath, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return .error(.notFound) }
        // Closed when the last response holding it (a large file's body) is sent or dropped.
        let opened = OpenFile(descriptor: fd)
        var info = stat()
        guard fstat(fd, &info) == 0 else { return .error(.notFound) }
        let identity = FileIdentity(info)
        // Checked on the open descriptor, so a symlink swapped in after the stat cannot slip through.
        guard identity.inode == seen.inode, identity.device == seen.device, isUnderRoot(fd: fd, fullPath: fullPath) else {
            return .error(.notFound)
        }
        if identity.isDirectory {
            return directoryRedirect(request)
        }
        guard identity.size <= maxFileBytes else {
            logger.warning("\(fullPath) is \(identity.size) bytes, over the \(maxFileBytes)-byte limit for static files")
            return .error(.notFound)
        }
        let mediaType = MediaType.forFileName(relative)
        let cacheControl = mediaType == .html ? htmlCacheControl : cacheControl
        guard identity.size <= maxCachedFileBytes else {
            let file = StaticFile(fullPath: fullPath, identity: identity, body: [], mediaType: mediaType,
                                  cacheControl: cacheControl, pageFields: pageFields, compress: false, holdsBytes: false)
            return StaticFiles.sendingFile(file.response(to: request), opened, identity.size, file, request)
        }
        guard let body = readAll(fd, size: identity.size) else {
            logger.warning("cannot read \(fullPath): errno \(errno)")
            return .error(.notFound)
        }
        let file = StaticFile(fullPath: fullPath, identity: identity, body: body, mediaType: mediaType,
                              cacheControl: cacheControl, pageFields: pageFields, compress: true,
                              loadedAt: coarseMonotonicMillis())
        cache.store(file, for: request.path)
        return file.response(to: request)
    }

    /// A large file's 200 (or 304) from its validators, its body sent from `opened` by the kernel:
    /// the whole file, or the one `Range` asked for (206; 416 past the end), as voicemail audio
    /// and video players seek. `If-Range` with another tag gets the whole file.
    private static func sendingFile(_ validated: Response, _ opened: OpenFile, _ size: Int, _ file: StaticFile,
                                    _ request: Request) -> Response {
        guard validated.status == .ok else { return validated }
        var whole = validated
        whole.file = FileBody(file: opened, count: size)
        let wanted = ByteRange.request(request.headers["Range"], ifRange: request.headers["If-Range"],
                                       length: size, etag: "\"" + file.entityTag + "\"")
        let response = ByteRange.answer(whole, wanted, length: size)
        // Ask for the pages now, so `sendfile` on the loop finds most of them in the page cache.
        if let part = response.file {
            _ = posix_fadvise(opened.descriptor, off_t(part.offset), off_t(part.count), POSIX_FADV_WILLNEED)
        }
        return response
    }

    /// `/docs` is a directory: send the browser to `/docs/` so relative links in its index resolve.
    private func directoryRedirect(_ request: Request) -> Response {
        guard !request.path.hasSuffix("/"), let raw = StaticFilePath.rawPath(of: request.target) else {
            return .error(.notFound)
        }
        let location = String(raw) + "/" + (request.query.isEmpty ? "" : "?" + request.query)
        return .redirect(to: location, status: .movedPermanently)
    }

    private func readAll(_ fd: Int32, size: Int) -> [UInt8]? {
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        let ok: Bool = bytes.withUnsafeMutableBytes { buffer in
            guard let base = buffer.baseAddress else { return true }
            while done < size {
                let count = pread(fd, base + done, size - done, off_t(done))
                if count < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                if count == 0 { break }
                done += count
            }
            return true
        }
        guard ok else { return nil }
        // The file shrank while we read: serve what is there; its new identity forces a reload next time.
        if done < size { bytes.removeLast(size - done) }
        return bytes
    }

    /// True when the open file's real path (all symlinks resolved) is the root or under it.
    private func isUnderRoot(fd: Int32, fullPath: String) -> Bool {
        guard let realRoot = StaticFiles.realPath(root),
              let real = StaticFiles.linkTarget("/proc/self/fd/\(fd)") ?? StaticFiles.realPath(fullPath) else {
            return false
        }
        if realRoot == "/" { return true }
        return real == realRoot || real.hasPrefix(realRoot + "/")
    }

    private static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func linkTarget(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
