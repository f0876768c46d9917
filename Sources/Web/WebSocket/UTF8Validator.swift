/// Incremental UTF-8 validation for text messages that arrive in pieces (RFC 6455 8.1 wants
/// invalid text to fail the connection with 1007, and failing on the first bad byte means a
/// peer cannot make us buffer a doomed message).
///
/// A small state machine over the well-formed byte sequences of Unicode 15, table 3-7: it
/// rejects overlong forms, UTF-16 surrogates (U+D800-DFFF) and anything past U+10FFFF at the
/// first byte that rules the sequence out, and remembers a sequence cut between two pieces.
public struct UTF8Validator: Sendable {
    /// 0 between characters; otherwise which continuation bytes may come next (see `step`).
    private var state: UInt8 = 0
    private static let accept: UInt8 = 0
    private static let reject: UInt8 = 8

    public init() {}

    /// True when the bytes so far end on a character boundary: a message may end here.
    public var isComplete: Bool { state == UTF8Validator.accept }
    public var hasFailed: Bool { state == UTF8Validator.reject }

    public mutating func reset() { state = UTF8Validator.accept }

    /// Validates the next piece. Returns the offset in `bytes` of the first byte that makes the
    /// text invalid, or nil when every byte so far could still belong to valid UTF-8.
    public mutating func validate(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard state != UTF8Validator.reject else { return 0 }
        let count = bytes.count
        guard count > 0, let base = bytes.baseAddress else { return nil }
        var i = 0
        var s = state
        while i < count {
            // ASCII runs are the common case: eight bytes at a time while between characters.
            if s == UTF8Validator.accept {
                while i + 8 <= count && base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 {
                    i += 8
                }
                if i == count { break }
            }
            s = UTF8Validator.step(s, base.load(fromByteOffset: i, as: UInt8.self))
            if s == UTF8Validator.reject {
                state = s
                return i
            }
            i += 1
        }
        state = s
        return nil
    }

    public mutating func validate(_ bytes: [UInt8]) -> Int? {
        bytes.withUnsafeBytes { validate($0) }
    }

    /// Whole-buffer check (close reasons, tests).
    public static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var validator = UTF8Validator()
        return validator.validate(bytes) == nil && validator.isComplete
    }

    public static func isValid(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { isValid($0) }
    }

    /// States: 0 accept; 1/2/3 need that many bytes 80-BF; 4 after E0 (next A0-BF: no overlong);
    /// 5 after ED (next 80-9F: no surrogate); 6 after F0 (next 90-BF: no overlong);
    /// 7 after F4 (next 80-8F: nothing past U+10FFFF); 8 reject.
    @inline(__always)
    private static func step(_ state: UInt8, _ byte: UInt8) -> UInt8 {
        switch state {
        case 0:
            switch byte {
            case 0x00...0x7F: return 0
            case 0xC2...0xDF: return 1
            case 0xE0: return 4
            case 0xE1...0xEC, 0xEE...0xEF: return 2
            case 0xED: return 5
            case 0xF0: return 6
            case 0xF1...0xF3: return 3
            case 0xF4: return 7
            default: return reject  // 80-C1 (stray continuation, overlong 2-byte lead), F5-FF
            }
        case 1, 2, 3:
            return byte & 0xC0 == 0x80 ? state - 1 : reject
        case 4:
            return (0xA0...0xBF).contains(byte) ? 1 : reject
        case 5:
            return (0x80...0x9F).contains(byte) ? 1 : reject
        case 6:
            return (0x90...0xBF).contains(byte) ? 2 : reject
        case 7:
            return (0x80...0x8F).contains(byte) ? 2 : reject
        default:
            return reject
        }
    }
}
