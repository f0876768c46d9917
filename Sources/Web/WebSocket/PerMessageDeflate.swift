/// The permessage-deflate parameters agreed with one client (RFC 7692), and the negotiation
/// that picks them from the client's offers.
///
/// "server" parameters constrain what we compress, "client" ones what we inflate.
public struct PerMessageDeflate: Equatable, Sendable {
    /// We start every message with an empty LZ77 window (so our compressor needs no state
    /// between messages, and one compressed frame can go to many sockets).
    public var serverNoContextTakeover: Bool
    /// The client starts every message with an empty window (so our inflater needs no state
    /// between messages).
    public var clientNoContextTakeover: Bool
    /// Largest LZ77 window we may use, as a power of two (8...15).
    public var serverMaxWindowBits: Int
    /// Largest LZ77 window the client may use (8...15); 15 when the client did not offer a limit.
    public var clientMaxWindowBits: Int
    /// Whether the response names `server_max_window_bits` / `client_max_window_bits`.
    var respondsServerMaxWindowBits = false
    var respondsClientMaxWindowBits = false

    public init(serverNoContextTakeover: Bool = false, clientNoContextTakeover: Bool = false,
                serverMaxWindowBits: Int = 15, clientMaxWindowBits: Int = 15) {
        self.serverNoContextTakeover = serverNoContextTakeover
        self.clientNoContextTakeover = clientNoContextTakeover
        self.serverMaxWindowBits = serverMaxWindowBits
        self.clientMaxWindowBits = clientMaxWindowBits
    }

    /// zlib's window for our compressor. zlib refuses a raw-deflate window of 8 bits
    /// (`deflateInit2` returns Z_STREAM_ERROR since 1.2.9), so 8 becomes 9. That keeps the
    /// promise made to the client: zlib never emits a match distance above the window size
    /// minus 262 bytes (MAX_DIST in deflate.c), so a 512-byte window yields distances of at most
    /// 250, which a 256-byte inflater window resolves.
    public var compressorWindowBits: Int { max(9, serverMaxWindowBits) }

    /// The `Sec-WebSocket-Extensions` value of the 101 response.
    public var responseHeaderValue: String {
        var value = "permessage-deflate"
        if serverNoContextTakeover { value += "; server_no_context_takeover" }
        if clientNoContextTakeover { value += "; client_no_context_takeover" }
        if respondsServerMaxWindowBits { value += "; server_max_window_bits=\(serverMaxWindowBits)" }
        if respondsClientMaxWindowBits { value += "; client_max_window_bits=\(clientMaxWindowBits)" }
        return value
    }

    /// What this server is willing to agree to, and how hard it compresses.
    public struct Configuration: Sendable, Equatable {
        /// Ask for (and use) a fresh window per outgoing message. On by default: an idle socket
        /// then holds no compressor (zlib's deflate state is ~256 KiB), and a room broadcast is
        /// compressed once for every such socket instead of once per socket.
        public var serverNoContextTakeover = true
        /// Ask the client to use a fresh window per message, so our inflater (~40 KiB) is freed
        /// between messages. RFC 7692 7.1.1.2 lets a server ask this even if the client did not
        /// offer it. Costs compression ratio on client -> server traffic only.
        public var clientNoContextTakeover = true
        /// Upper bounds for the windows, 8...15.
        public var serverMaxWindowBits = 15
        public var clientMaxWindowBits = 15
        /// zlib level 0-9 (or -1, zlib's default of 6).
        public var compressionLevel: Int32 = 6
        /// zlib memLevel 1-9: memory for the compressor's hash table (8 is zlib's default).
        public var memoryLevel: Int32 = 8
        /// Messages shorter than this go out uncompressed: deflate cannot win on them.
        public var minimumCompressedMessageBytes = 32

        public init() {}
    }

    /// The first offer in the request's `Sec-WebSocket-Extensions` values that we can accept,
    /// or nil (no compression). An offer is declined (RFC 7692 section 5) when it has an unknown
    /// or repeated parameter or a value out of range; the next offer is then tried.
    public static func negotiate(_ headerValues: [String], configuration: Configuration) -> PerMessageDeflate? {
        for offer in WebSocketExtension.parse(headerValues) where offer.name.lowercased() == "permessage-deflate" {
            if let accepted = accept(offer, configuration: configuration) { return accepted }
        }
        return nil
    }

    /// Accepts one offer or returns nil to decline it.
    static func accept(_ offer: WebSocketExtension, configuration: Configuration) -> PerMessageDeflate? {
        var seen = Set<String>()
        var serverNoContextTakeover = false
        var clientNoContextTakeover = false
        var serverBits: Int?
        var clientBitsOffered = false
        var clientBits: Int?
        for parameter in offer.parameters {
            let name = parameter.name.lowercased()
            guard seen.insert(name).inserted else { return nil }
            switch name {
            case "server_no_context_takeover":
                guard parameter.value == nil else { return nil }
                serverNoContextTakeover = true
            case "client_no_context_takeover":
                guard parameter.value == nil else { return nil }
                clientNoContextTakeover = true
            case "server_max_window_bits":
                guard let value = parameter.value, let bits = windowBits(value) else { return nil }
                serverBits = bits
            case "client_max_window_bits":
                clientBitsOffered = true
                if let value = parameter.value {
                    guard let bits = windowBits(value) else { return nil }
                    clientBits = bits
                }
            default:
                return nil
            }
        }
        let serverLimit = clamp(configuration.serverMaxWindowBits)
        let clientLimit = clamp(configuration.clientMaxWindowBits)
        var result = PerMessageDeflate(
            serverNoContextTakeover: serverNoContextTakeover || configuration.serverNoContextTakeover,
            clientNoContextTakeover: clientNoContextTakeover || configuration.clientNoContextTakeover,
            serverMaxWindowBits: min(serverBits ?? 15, serverLimit),
            clientMaxWindowBits: 15)
        // A smaller server window than offered is ours to pick; we only say so when asked.
        result.respondsServerMaxWindowBits = serverBits != nil
        // The client window may only be limited when the client said it can limit it.
        if clientBitsOffered {
            result.clientMaxWindowBits = min(clientBits ?? 15, clientLimit)
            result.respondsClientMaxWindowBits = clientBits != nil || clientLimit < 15
        }
        return result
    }

    /// A window-bits value: 1*DIGIT without leading zeros, 8 to 15 (RFC 7692 7.1.2).
    private static func windowBits(_ value: String) -> Int? {
        guard !value.isEmpty, value.count <= 2, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              value.first != "0", let bits = Int(value), (8...15).contains(bits) else { return nil }
        return bits
    }

    private static func clamp(_ bits: Int) -> Int { min(15, max(8, bits)) }
}
