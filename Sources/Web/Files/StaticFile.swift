import Synchronization

/// One file as served: its bytes, its gzipped bytes when that is smaller, and its four possible
/// responses (200 or 304, plain or gzip) built once with their heads pre-encoded
/// (`Response.preEncoded()`), so answering from the cache is a dictionary lookup, a `stat` and a
/// copy of references: no date formatting, no string building, no head encoding per request.
final class StaticFile: @unchecked Sendable {
    let fullPath: String
    /// `fullPath` NUL-terminated, for the `stat` of each use (`FileIdentity(cPath:)`).
    let cPath: [CChar]
    let identity: FileIdentity
    let body: [UInt8]
    let gzipBody: [UInt8]?
    let lastModified: Int
    /// ETags without quotes: the identity body and the gzip body are different representations.
    let entityTag: String
    let gzipEntityTag: String
    /// False for a large file's stand-in, which holds no bytes: `StaticFiles` cuts its ranges
    /// from the open file. True: a `Range` is answered here from `body` or `gzipBody`.
    let holdsBytes: Bool
    private let entityTags: [String]
    private let ok: Response
    private let gzipOK: Response?
    private let notModified: Response
    private let gzipNotModified: Response
    /// When a `stat` last found this file unchanged (monotonic ms). Atomic: the cache's lookups
    /// take no lock (`StaticFileCache`).
    private let checkedAtMillis: Atomic<UInt64>

    /// Bytes this entry holds in the cache.
    var cost: Int { body.count + (gzipBody?.count ?? 0) + fullPath.utf8.count }

    /// `pageFields` go on an HTML file's 200s (the application's `Content-Security-Policy`),
    /// encoded with the rest of the head. `loadedAt`: monotonic ms of the `stat` that found it.
    init(fullPath: String, identity: FileIdentity, body: [UInt8], mediaType: MediaType, cacheControl: String,
         pageFields: HTTPHeaders = HTTPHeaders(), compress: Bool, holdsBytes: Bool = true, loadedAt: UInt64 = 0) {
        checkedAtMillis = Atomic(loadedAt)
        self.holdsBytes = holdsBytes
        self.fullPath = fullPath
        cPath = Array(fullPath.utf8CString)
        self.identity = identity
        self.body = body
        var gzipBody: [UInt8]?
        if compress && mediaType.isCompressible, let packed = Gzip.compress(body), packed.count < body.count {
            gzipBody = packed
        }
        self.gzipBody = gzipBody
        lastModified = identity.modifiedSeconds
        let modifiedNanos = identity.modifiedSeconds &* 1_000_000_000 &+ identity.modifiedNanoseconds
        entityTag = String(modifiedNanos, radix: 16) + "-" + String(identity.size, radix: 16)
        gzipEntityTag = entityTag + "-gz"
        entityTags = [entityTag, gzipEntityTag]

        let lastModifiedText = HTTPDate.format(epochSeconds: lastModified)
        func common(_ tag: String) -> HTTPHeaders {
            var fields = HTTPHeaders()
            fields.add("ETag", "\"" + tag + "\"")
            fields.add("Last-Modified", lastModifiedText)
            fields.add("Cache-Control", cacheControl)
            // Only a file that has a gzip form varies by Accept-Encoding; saying so keeps caches honest.
            if gzipBody != nil { fields.add("Vary", "Accept-Encoding") }
            return fields
        }
        let notModifiedHeaders = common(entityTag)
        let gzipNotModifiedHeaders = common(gzipEntityTag)
        var plain = notModifiedHeaders
        plain.add("Content-Type", mediaType.headerValue)
        plain.add("X-Content-Type-Options", "nosniff")
        plain.add("Accept-Ranges", "bytes")
        var packed = gzipNotModifiedHeaders
        packed.add("Content-Type", mediaType.headerValue)
        packed.add("X-Content-Type-Options", "nosniff")
        packed.add("Content-Encoding", "gzip")
        packed.add("Accept-Ranges", "bytes")
        if mediaType == .html {
            for field in pageFields {
                plain.add(field.name, field.value)
                packed.add(field.name, field.value)
            }
        }
        ok = Response(status: .ok, headers: plain, body: body).preEncoded()
        gzipOK = gzipBody.map { Response(status: .ok, headers: packed, body: $0).preEncoded() }
        notModified = Response(status: .notModified, headers: notModifiedHeaders).preEncoded()
        gzipNotModified = Response(status: .notModified, headers: gzipNotModifiedHeaders).preEncoded()
    }

    /// True when the caller should `stat` this file now: it was last checked `revalidateMillis`
    /// or more before `now` (monotonic ms; 0 checks every time). It then counts as checked now, so
    /// of several threads asking at once one is told to and the others serve it as it is.
    func claimCheck(now: UInt64, revalidateMillis: UInt64) -> Bool {
        if revalidateMillis == 0 { return true }
        let checked = checkedAtMillis.load(ordering: .relaxed)
        guard now >= checked && now - checked >= revalidateMillis else { return false }
        return checkedAtMillis.compareExchange(expected: checked, desired: now, ordering: .relaxed).exchanged
    }

    /// 200 with the body the client accepts, or 304 when its validators still match.
    /// If-Modified-Since counts only without If-None-Match (RFC 9110 13.2.2). A `Range` is read
    /// after those (a 304 wins) and applies to the representation chosen, gzip or not:
    /// `rangeResponse`.
    func response(to request: Request) -> Response {
        // One pass over the fields, comparing names only when their length fits.
        var acceptEncoding = AcceptEncoding()
        var hasNoneMatch = false
        var noneMatchHit = false
        var modifiedSince: String?
        var range: String?
        var ifRange: String?
        for field in request.headers.fields {
            switch field.name.utf8.count {
            case 15 where asciiCaseInsensitiveEquals(field.name, "Accept-Encoding"):
                acceptEncoding.read(field.value)
            case 13 where asciiCaseInsensitiveEquals(field.name, "If-None-Match"):
                hasNoneMatch = true
                noneMatchHit = noneMatchHit || EntityTag.ifNoneMatch(field.value, matchesAnyOf: entityTags)
            case 17 where asciiCaseInsensitiveEquals(field.name, "If-Modified-Since"):
                modifiedSince = modifiedSince ?? field.value
            case 5 where asciiCaseInsensitiveEquals(field.name, "Range"):
                range = range ?? field.value
            case 8 where asciiCaseInsensitiveEquals(field.name, "If-Range"):
                ifRange = ifRange ?? field.value
            default:
                break
            }
        }
        let useGzip = gzipOK != nil && acceptEncoding.allowsGzip
        let isNotModified: Bool
        if hasNoneMatch {
            isNotModified = noneMatchHit
        } else if let modifiedSince, let sinceSeconds = HTTPDate.parse(modifiedSince) {
            isNotModified = lastModified <= sinceSeconds
        } else {
            isNotModified = false
        }
        if isNotModified {
            return useGzip ? gzipNotModified : notModified
        }
        if let range, holdsBytes {
            return rangeResponse(range, ifRange: ifRange, gzip: useGzip)
        }
        if useGzip, let gzipOK {
            return gzipOK
        }
        return ok
    }

    /// The answer to `Range` (RFC 9110 14.2) for the representation negotiated: 206 with the slice,
    /// 416, or the whole 200 (several ranges, bad syntax, or an `If-Range` naming another
    /// validator). The gzip representation has its own bytes and its own tag, so a range of it is
    /// a range of the gzip bytes, and a download resumed with its tag in `If-Range` matches it.
    private func rangeResponse(_ range: String, ifRange: String?, gzip: Bool) -> Response {
        let (whole, tag) = gzip ? (gzipOK ?? ok, gzipEntityTag) : (ok, entityTag)
        let length = whole.body.count
        let wanted = ByteRange.request(range, ifRange: ifRange, length: length, etag: "\"" + tag + "\"")
        return ByteRange.answer(whole, wanted, length: length)
    }
}
