/// The four bytes a client XORs over every payload it sends (RFC 6455 section 5.3).
public struct WebSocketMaskingKey: Equatable, Sendable {
    public var bytes: (UInt8, UInt8, UInt8, UInt8)

    public init(_ b0: UInt8, _ b1: UInt8, _ b2: UInt8, _ b3: UInt8) {
        bytes = (b0, b1, b2, b3)
    }

    /// The key as it is laid out in memory, for word-at-a-time masking.
    var word: UInt32 {
        UInt32(bytes.0) | UInt32(bytes.1) << 8 | UInt32(bytes.2) << 16 | UInt32(bytes.3) << 24
    }

    public subscript(index: Int) -> UInt8 {
        switch index & 3 {
        case 0: return bytes.0
        case 1: return bytes.1
        case 2: return bytes.2
        default: return bytes.3
        }
    }

    public static func == (a: WebSocketMaskingKey, b: WebSocketMaskingKey) -> Bool {
        a.word == b.word
    }

    /// XORs `source` with the key into `destination` (same count), where `source[0]` is payload
    /// byte number `phase` of its frame: a payload arrives in pieces and the key keeps rotating.
    public func apply(_ source: UnsafeRawBufferPointer, phase: Int, into destination: UnsafeMutableRawBufferPointer) {
        let count = min(source.count, destination.count)
        guard count > 0, let src = source.baseAddress, let dst = destination.baseAddress else { return }
        // Byte j of `source` uses key byte (phase + j) % 4: bytes up to the first key boundary
        // one at a time, then eight at a time against the key repeated twice, then the rest.
        let first = phase & 3
        var i = 0
        while i < count && (first + i) & 3 != 0 {
            dst.storeBytes(of: src.load(fromByteOffset: i, as: UInt8.self) ^ self[first + i], toByteOffset: i, as: UInt8.self)
            i += 1
        }
        let key64 = UInt64(littleEndian: UInt64(word) | UInt64(word) << 32)
        while i + 8 <= count {
            let value = src.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            dst.storeBytes(of: value ^ key64, toByteOffset: i, as: UInt64.self)
            i += 8
        }
        while i < count {
            dst.storeBytes(of: src.load(fromByteOffset: i, as: UInt8.self) ^ self[first + i], toByteOffset: i, as: UInt8.self)
            i += 1
        }
    }

    /// Masks or unmasks `bytes` in place, starting at key position 0.
    public func apply(to bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { buffer in
            apply(UnsafeRawBufferPointer(buffer), phase: 0, into: buffer)
        }
    }
}
