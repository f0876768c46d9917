import COpenSSL

/// One-shot MD5 and SHA-1 through OpenSSL's EVP interface, for the old htpasswd formats
/// (SHA-256 is `HMAC.sha256Digest`).
enum MessageDigest {
    static func md5(_ bytes: [UInt8]) -> [UInt8] { digest(bytes, EVP_md5(), length: 16) }
    static func sha1(_ bytes: [UInt8]) -> [UInt8] { digest(bytes, EVP_sha1(), length: 20) }
    static func sha512(_ bytes: [UInt8]) -> [UInt8] { digest(bytes, EVP_sha512(), length: 64) }
    static func sha256(_ bytes: [UInt8]) -> [UInt8] { digest(bytes, EVP_sha256(), length: 32) }

    private static func digest(_ bytes: [UInt8], _ type: OpaquePointer?, length: Int) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var size: UInt32 = 0
        // An empty array may have no base address; OpenSSL wants a pointer either way.
        let padded = bytes.isEmpty ? [0] : bytes
        let ok = padded.withUnsafeBytes { input in
            out.withUnsafeMutableBufferPointer { EVP_Digest(input.baseAddress, bytes.count, $0.baseAddress, &size, type, nil) }
        }
        // Only a broken OpenSSL install (no default provider) fails here; nothing safe can follow.
        precondition(ok == 1 && Int(size) == length, "OpenSSL EVP_Digest failed")
        return Array(out[0..<length])
    }
}
