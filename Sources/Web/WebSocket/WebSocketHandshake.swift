import COpenSSL

/// The server side of the RFC 6455 opening handshake (section 4.2): checks that a request is
/// a version-13 WebSocket upgrade and builds the `101 Switching Protocols` answer.
public enum WebSocketHandshake {
    /// The GUID that RFC 6455 appends to the client's key before hashing.
    static let keyGUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// A request that cannot be upgraded, and the response that says why.
    public struct Refusal: Error, Equatable, Sendable {
        public var status: HTTPStatus
        public var message: String

        /// A plain-text error naming the broken rule. 426 carries `Upgrade: websocket` and
        /// `Sec-WebSocket-Version: 13` so the client knows what would work; 405 carries `Allow`.
        public var response: Response {
            var response = Response.error(status, message)
            if status == .upgradeRequired {
                response.headers.add("Upgrade", "websocket")
                response.headers.add("Sec-WebSocket-Version", "13")
            } else if status == .methodNotAllowed {
                response.headers.add("Allow", "GET")
            }
            return response
        }

        public static func == (a: Refusal, b: Refusal) -> Bool { a.status == b.status && a.message == b.message }
    }

    /// Returns the client's `Sec-WebSocket-Key` when `request` is a valid upgrade request.
    public static func validate(_ request: Request) throws -> String {
        guard request.method == "GET" else {
            throw Refusal(status: .methodNotAllowed, message: "WebSocket upgrade needs GET, not \(request.method)")
        }
        guard request.version.major > 1 || (request.version.major == 1 && request.version.minor >= 1) else {
            throw Refusal(status: .badRequest, message: "WebSocket upgrade needs HTTP/1.1, not \(request.version)")
        }
        guard request.headers.hasToken("Upgrade", "websocket") else {
            throw Refusal(status: .upgradeRequired, message: "this resource speaks WebSocket only: send Upgrade: websocket")
        }
        guard request.headers.hasToken("Connection", "upgrade") else {
            throw Refusal(status: .upgradeRequired, message: "WebSocket upgrade needs Connection: Upgrade")
        }
        let versions = request.headers.values("Sec-WebSocket-Version")
        guard versions.count == 1, versions[0].trimmingASCIISpaces() == "13" else {
            let sent = versions.isEmpty ? "none" : versions.joined(separator: ", ")
            throw Refusal(status: .upgradeRequired, message: "Sec-WebSocket-Version \(sent) is not supported; only 13 is")
        }
        let keys = request.headers.values("Sec-WebSocket-Key")
        guard keys.count == 1 else {
            throw Refusal(status: .badRequest, message: "WebSocket upgrade needs exactly one Sec-WebSocket-Key, got \(keys.count)")
        }
        let key = keys[0].trimmingASCIISpaces()
        guard isValidKey(key) else {
            throw Refusal(status: .badRequest, message: "Sec-WebSocket-Key \"\(key.prefix(40))\" is not base64 of 16 bytes")
        }
        return key
    }

    /// A key is 16 random bytes in base64: 22 alphabet characters then "==", and the last
    /// character before the padding carries only 2 bits, so it is one of A, Q, g, w.
    static func isValidKey(_ key: String) -> Bool {
        let bytes = Array(key.utf8)
        guard bytes.count == 24, bytes[22] == UInt8(ascii: "="), bytes[23] == UInt8(ascii: "=") else { return false }
        for byte in bytes[0..<22] {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
                continue
            default:
                return false
            }
        }
        return [UInt8(ascii: "A"), UInt8(ascii: "Q"), UInt8(ascii: "g"), UInt8(ascii: "w")].contains(bytes[21])
    }

    /// `Sec-WebSocket-Accept`: base64(SHA-1(key + GUID)).
    public static func acceptValue(forKey key: String) -> String {
        let input = Array((key + keyGUID).utf8)
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var digestLength: UInt32 = 0
        _ = input.withUnsafeBytes { raw in
            EVP_Digest(raw.baseAddress, raw.count, &digest, &digestLength, EVP_sha1(), nil)
        }
        // base64 of 20 bytes is 28 characters; EVP_EncodeBlock adds a NUL.
        var encoded = [UInt8](repeating: 0, count: 32)
        let length = EVP_EncodeBlock(&encoded, digest, Int32(digestLength))
        return String(decoding: encoded[0..<Int(max(0, length))], as: UTF8.self)
    }

    /// The 101 response that switches the connection to WebSocket.
    public static func response(key: String, deflate: PerMessageDeflate?, subprotocol: String?,
                                headers extra: HTTPHeaders, upgrade: ConnectionUpgrade) -> Response {
        var headers = HTTPHeaders()
        headers.add("Upgrade", "websocket")
        headers.add("Connection", "Upgrade")
        headers.add("Sec-WebSocket-Accept", acceptValue(forKey: key))
        if let deflate { headers.add("Sec-WebSocket-Extensions", deflate.responseHeaderValue) }
        if let subprotocol { headers.add("Sec-WebSocket-Protocol", subprotocol) }
        for field in extra { headers.add(field.name, field.value) }
        var response = Response(status: .switchingProtocols, headers: headers)
        response.upgrade = upgrade
        return response
    }

    /// The subprotocols the client offered in `Sec-WebSocket-Protocol`, in order.
    public static func offeredSubprotocols(_ request: Request) -> [String] {
        request.headers.values("Sec-WebSocket-Protocol").flatMap { value in
            value.split(separator: ",").map { String($0).trimmingASCIISpaces() }.filter { !$0.isEmpty }
        }
    }
}
