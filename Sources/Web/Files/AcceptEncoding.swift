/// Reads `Accept-Encoding` (RFC 9110 12.5.3) for the one coding this server produces: gzip.
/// A byte scanner, not a split: it runs on every static-file request.
struct AcceptEncoding {
    private var gzip: Bool?
    private var any: Bool?

    init() {}

    init(_ headers: HTTPHeaders) {
        for field in headers where asciiCaseInsensitiveEquals(field.name, "Accept-Encoding") { read(field.value) }
    }

    /// True when the client accepts gzip: `gzip` (or `x-gzip`) listed with q > 0, or, when it is not
    /// listed, `*` with q > 0. `gzip;q=0` refuses it. No header means no gzip (the safe reading).
    var allowsGzip: Bool { gzip ?? any ?? false }

    /// Adds one field value (a request may send the header more than once).
    mutating func read(_ value: String) {
        var value = value
        value.withUTF8 { read($0) }
    }

    private mutating func read(_ bytes: UnsafeBufferPointer<UInt8>) {
        let count = bytes.count
        var i = 0
        func skipSpaces() { while i < count && (bytes[i] == space || bytes[i] == tab) { i += 1 } }
        func word() -> Range<Int> {
            let start = i
            while i < count, bytes[i] != comma, bytes[i] != semicolon, bytes[i] != space, bytes[i] != tab,
                  bytes[i] != equals { i += 1 }
            return start..<i
        }
        while i < count {
            while i < count && (bytes[i] == comma || bytes[i] == space || bytes[i] == tab) { i += 1 }
            guard i < count else { break }
            let coding = word()
            var accepted = true
            skipSpaces()
            while i < count && bytes[i] == semicolon {
                i += 1
                skipSpaces()
                let name = word()
                skipSpaces()
                guard i < count, bytes[i] == equals else { continue }
                i += 1
                skipSpaces()
                let weight = word()
                skipSpaces()
                if name.count == 1 && (bytes[name.lowerBound] | 0x20) == UInt8(ascii: "q") {
                    accepted = AcceptEncoding.isNonZero(UnsafeBufferPointer(rebasing: bytes[weight]))
                }
            }
            while i < count && bytes[i] != comma { i += 1 }
            let name = UnsafeBufferPointer(rebasing: bytes[coding])
            if AcceptEncoding.equalsLowercase(name, "gzip") || AcceptEncoding.equalsLowercase(name, "x-gzip") {
                gzip = (gzip ?? false) || accepted
            } else if name.count == 1 && name[0] == UInt8(ascii: "*") {
                any = (any ?? false) || accepted
            }
        }
    }

    /// A qvalue (`0`, `0.5`, `1.000`): false for zero and for anything unreadable.
    private static func isNonZero(_ weight: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = weight.first else { return false }
        if first == UInt8(ascii: "1") { return true }
        guard first == UInt8(ascii: "0") else { return false }
        guard weight.count > 1 else { return false }
        guard weight[1] == UInt8(ascii: ".") else { return false }
        var nonZero = false
        for digit in weight.dropFirst(2) {
            guard digit >= UInt8(ascii: "0") && digit <= UInt8(ascii: "9") else { return false }
            if digit != UInt8(ascii: "0") { nonZero = true }
        }
        return nonZero
    }

    private static func equalsLowercase(_ bytes: UnsafeBufferPointer<UInt8>, _ lowercase: StaticString) -> Bool {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = lowercase.utf8Start
        for i in 0..<bytes.count where asciiLower(bytes[i]) != expected[i] { return false }
        return true
    }
}

private let space = UInt8(ascii: " ")
private let tab = UInt8(ascii: "\t")
private let comma = UInt8(ascii: ",")
private let semicolon = UInt8(ascii: ";")
private let equals = UInt8(ascii: "=")
