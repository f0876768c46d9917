/// A `Content-Type` value to send, and whether gzip is worth trying on bodies of that type.
public struct MediaType: Sendable, Hashable, CustomStringConvertible {
    /// The full header value, parameters included: `text/css; charset=utf-8`.
    public let headerValue: String
    /// False for formats that are already compressed (PNG, WOFF2...): gzip would only cost CPU.
    public let isCompressible: Bool

    public init(_ headerValue: String, compressible: Bool) {
        self.headerValue = headerValue
        self.isCompressible = compressible
    }

    public var description: String { headerValue }

    /// Textual types are UTF-8 here; saying so stops browsers from sniffing a charset.
    static func utf8(_ type: String) -> MediaType { MediaType(type + "; charset=utf-8", compressible: true) }

    public static let html = utf8("text/html")
    public static let css = utf8("text/css")
    public static let javascript = utf8("text/javascript")
    public static let json = utf8("application/json")
    public static let plainText = utf8("text/plain")
    public static let csv = utf8("text/csv")
    public static let markdown = utf8("text/markdown")
    public static let xml = utf8("text/xml")
    public static let svg = utf8("image/svg+xml")
    public static let webManifest = utf8("application/manifest+json")
    public static let png = MediaType("image/png", compressible: false)
    public static let jpeg = MediaType("image/jpeg", compressible: false)
    public static let gif = MediaType("image/gif", compressible: false)
    public static let webp = MediaType("image/webp", compressible: false)
    public static let avif = MediaType("image/avif", compressible: false)
    /// Icons are often uncompressed bitmaps, which gzip shrinks well.
    public static let icon = MediaType("image/x-icon", compressible: true)
    public static let woff2 = MediaType("font/woff2", compressible: false)
    public static let woff = MediaType("font/woff", compressible: false)
    public static let ttf = MediaType("font/ttf", compressible: true)
    public static let otf = MediaType("font/otf", compressible: true)
    public static let wasm = MediaType("application/wasm", compressible: true)
    public static let pdf = MediaType("application/pdf", compressible: false)
    public static let mp3 = MediaType("audio/mpeg", compressible: false)
    public static let ogg = MediaType("audio/ogg", compressible: false)
    public static let wav = MediaType("audio/wav", compressible: true)
    public static let mp4 = MediaType("video/mp4", compressible: false)
    public static let webm = MediaType("video/webm", compressible: false)
    public static let zip = MediaType("application/zip", compressible: false)
    public static let gzip = MediaType("application/gzip", compressible: false)
    /// Unknown files: the browser must not guess (we also send `nosniff`).
    public static let octetStream = MediaType("application/octet-stream", compressible: false)
}
