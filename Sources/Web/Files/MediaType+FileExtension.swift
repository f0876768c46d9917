extension MediaType {
    /// The media type for a file name's extension (case-insensitive); `octetStream` when unknown.
    public static func forFileName(_ name: String) -> MediaType {
        guard let dot = name.lastIndex(of: "."), name[dot...].count > 1 else { return .octetStream }
        return forFileExtension(String(name[name.index(after: dot)...]))
    }

    /// The media type for an extension without the dot (`js`, `PNG`); `octetStream` when unknown.
    public static func forFileExtension(_ fileExtension: String) -> MediaType {
        byExtension[fileExtension] ?? byExtension[fileExtension.lowercased()] ?? .octetStream
    }

    private static let byExtension: [String: MediaType] = [
        "html": .html, "htm": .html,
        "css": .css,
        "js": .javascript, "mjs": .javascript, "cjs": .javascript,
        "json": .json, "map": .json,
        "webmanifest": .webManifest,
        "txt": .plainText, "csv": .csv, "md": .markdown,
        "xml": .xml,
        "svg": .svg,
        "png": .png, "jpg": .jpeg, "jpeg": .jpeg, "gif": .gif, "webp": .webp, "avif": .avif,
        "ico": .icon,
        "woff2": .woff2, "woff": .woff, "ttf": .ttf, "otf": .otf,
        "wasm": .wasm,
        "pdf": .pdf,
        "mp3": .mp3, "ogg": .ogg, "oga": .ogg, "wav": .wav, "mp4": .mp4, "webm": .webm,
        "zip": .zip, "gz": .gzip,
    ]
}
