/// One element of a `Sec-WebSocket-Extensions` header: an extension name and its parameters
/// (RFC 6455 section 9.1), e.g. `permessage-deflate; client_max_window_bits`.
public struct WebSocketExtension: Equatable, Sendable {
    public var name: String
    /// In order, as sent; a quoted value is unquoted. A parameter without `=` has a nil value.
    public var parameters: [Parameter]

    public struct Parameter: Equatable, Sendable {
        public var name: String
        public var value: String?
        public init(_ name: String, _ value: String? = nil) {
            self.name = name
            self.value = value
        }
    }

    public init(name: String, parameters: [Parameter] = []) {
        self.name = name
        self.parameters = parameters
    }

    /// Every extension offered across all the header's values, in order. An element that is
    /// not well formed (bad token, unterminated quote, empty name) is left out: the server
    /// declines what it cannot read rather than refusing the handshake.
    public static func parse(_ headerValues: [String]) -> [WebSocketExtension] {
        var result: [WebSocketExtension] = []
        for value in headerValues {
            for element in split(Array(value.utf8), on: UInt8(ascii: ",")) {
                if let parsed = parseElement(element) { result.append(parsed) }
            }
        }
        return result
    }

    private static func parseElement(_ bytes: ArraySlice<UInt8>) -> WebSocketExtension? {
        let parts = split(Array(bytes), on: UInt8(ascii: ";"))
        guard let first = parts.first, let name = token(trimmed(first)) else { return nil }
        var parameters: [Parameter] = []
        for part in parts.dropFirst() {
            let item = trimmed(part)
            if let equals = item.firstIndex(of: UInt8(ascii: "=")) {
                guard let key = token(trimmed(item[item.startIndex..<equals])),
                      let value = tokenOrQuoted(trimmed(item[(equals + 1)...])) else { return nil }
                parameters.append(Parameter(key, value))
            } else {
                guard let key = token(item) else { return nil }
                parameters.append(Parameter(key))
            }
        }
        return WebSocketExtension(name: name, parameters: parameters)
    }

    /// Splits on `separator` outside double quotes; returns nil pieces never, empty ones are dropped.
    private static func split(_ bytes: [UInt8], on separator: UInt8) -> [ArraySlice<UInt8>] {
        var pieces: [ArraySlice<UInt8>] = []
        var start = 0
        var inQuotes = false
        var escaped = false
        for (i, byte) in bytes.enumerated() {
            if inQuotes {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inQuotes = false }
            } else if byte == UInt8(ascii: "\"") {
                inQuotes = true
            } else if byte == separator {
                pieces.append(bytes[start..<i])
                start = i + 1
            }
        }
        pieces.append(bytes[start...])
        return pieces.filter { !trimmed($0).isEmpty }
    }

    private static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var s = bytes
        while let f = s.first, f == UInt8(ascii: " ") || f == UInt8(ascii: "\t") { s = s.dropFirst() }
        while let l = s.last, l == UInt8(ascii: " ") || l == UInt8(ascii: "\t") { s = s.dropLast() }
        return s
    }

    /// RFC 9110 token characters.
    private static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }

    private static func token(_ bytes: ArraySlice<UInt8>) -> String? {
        guard !bytes.isEmpty, bytes.allSatisfy(isTokenByte) else { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func tokenOrQuoted(_ bytes: ArraySlice<UInt8>) -> String? {
        guard bytes.first == UInt8(ascii: "\"") else { return token(bytes) }
        guard bytes.count >= 2, bytes.last == UInt8(ascii: "\"") else { return nil }
        var value: [UInt8] = []
        var escaped = false
        for byte in bytes.dropFirst().dropLast() {
            if escaped {
                value.append(byte)
                escaped = false
            } else if byte == UInt8(ascii: "\\") {
                escaped = true
            } else if byte == UInt8(ascii: "\"") {
                return nil
            } else {
                value.append(byte)
            }
        }
        // RFC 6455 9.1: a quoted value must still be a token once unquoted.
        guard !escaped else { return nil }
        return token(value[...])
    }
}
