import COpenSSL

/// Keyed message digests (HMAC, RFC 2104) and plain SHA-256, computed by the system's OpenSSL.
public enum HMAC {
    /// HMAC-SHA256: JWT `HS256` signatures.
    public static func sha256(key: [UInt8], message: [UInt8]) -> [UInt8] {
        digest(EVP_sha256(), key: key, message: message)
    }

    /// HMAC-SHA1: Twilio's `X-Twilio-Signature` on webhooks.
    public static func sha1(key: [UInt8], message: [UInt8]) -> [UInt8] {
        digest(EVP_sha1(), key: key, message: message)
    }

    /// Plain SHA-256 of `message` (Twilio's `bodySHA256` for JSON webhooks).
    public static func sha256Digest(_ message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(SHA256_DIGEST_LENGTH))
        // An empty Swift array may have no base address; OpenSSL wants a pointer either way.
        let padded = message.isEmpty ? [0] : message
        padded.withUnsafeBufferPointer { input in
            out.withUnsafeMutableBufferPointer { output in
                _ = SHA256(input.baseAddress, message.count, output.baseAddress)
            }
        }
        return out
    }

    /// True when the two byte strings are equal, taking the same time for any difference
    /// at equal length (the length of a signature is public; its bytes are not).
    public static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for i in 0..<a.count { difference |= a[i] ^ b[i] }
        return difference == 0
    }

    private static func digest(_ md: OpaquePointer?, key: [UInt8], message: [UInt8]) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let paddedKey = key.isEmpty ? [0] : key
        let paddedMessage = message.isEmpty ? [0] : message
        paddedKey.withUnsafeBufferPointer { k in
            paddedMessage.withUnsafeBufferPointer { m in
                out.withUnsafeMutableBufferPointer { o in
                    _ = COpenSSL.HMAC(md, k.baseAddress, Int32(key.count), m.baseAddress, message.count, o.baseAddress, &length)
                }
            }
        }
        return Array(out.prefix(Int(length)))
    }
}
