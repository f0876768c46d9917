import COpenSSL

/// Unpredictable bytes and tokens from OpenSSL's CSPRNG (session ids, CSRF tokens, salts).
public enum SecureRandom {
    /// `count` random bytes. A failing CSPRNG leaves no safe way to go on, so it stops the process.
    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let ok = bytes.withUnsafeMutableBufferPointer { RAND_bytes($0.baseAddress, Int32(count)) }
        precondition(ok == 1, "RAND_bytes failed: the system random source is unavailable")
        return bytes
    }

    /// A base64url token (no padding) of `byteCount` random bytes: 32 bytes make 43 characters.
    public static func token(byteCount: Int = 32) -> String {
        Base64.urlEncode(bytes(byteCount))
    }

    /// True when `text` is exactly `length` characters of the base64url alphabet, as `token`
    /// makes them: cookie values and form fields are checked with this before anything reads them.
    public static func isToken(_ text: String, length: Int = 43) -> Bool {
        var count = 0
        for byte in text.utf8 {
            count += 1
            let ok = (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D || byte == 0x5F
            if !ok || count > length { return false }
        }
        return count == length
    }
}
