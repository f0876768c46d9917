import CCrypt
import COpenSSL

/// The system's libxcrypt: bcrypt, SHA-crypt, DES crypt and salt generation, thread-safe.
enum LibCrypt {
    /// libxcrypt refuses longer phrases (CRYPT_MAX_PASSPHRASE_SIZE is 512 with the NUL).
    static let maxPhraseBytes = 511

    /// `crypt_rn(phrase, setting)`, or nil when libcrypt rejects the setting or the phrase.
    /// `struct crypt_data` is 32 KiB, so each call gets its own zeroed heap block (safe on any
    /// thread, never on a small stack) and wipes it afterwards: it held the password.
    static func crypt(_ phrase: [UInt8], setting: String) -> String? {
        guard phrase.count <= maxPhraseBytes, !phrase.contains(0) else { return nil }
        let size = MemoryLayout<crypt_data>.size
        let data = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        data.initializeMemory(as: UInt8.self, repeating: 0, count: size)
        defer {
            OPENSSL_cleanse(data, size)
            data.deallocate()
        }
        var cPhrase = phrase.map { CChar(bitPattern: $0) } + [0]
        defer { cPhrase.withUnsafeMutableBytes { OPENSSL_cleanse($0.baseAddress, $0.count) } }
        guard let result = crypt_rn(cPhrase, setting, data, Int32(size)) else { return nil }
        // libxcrypt's failure token starts with '*'; crypt_rn returns NULL instead, but be sure.
        let text = String(cString: result)
        return text.hasPrefix("*") ? nil : text
    }

    /// A setting string (`$2y$12$...`) for `prefix` with `count` (cost or rounds; 0 = default)
    /// and 16 fresh random bytes, or nil when libcrypt does not know the prefix or count.
    static func gensalt(prefix: String, count: Int) -> String? {
        let random = SecureRandom.bytes(16)
        var out = [CChar](repeating: 0, count: Int(CRYPT_GENSALT_OUTPUT_SIZE))
        let made = random.withUnsafeBytes { rnd in
            out.withUnsafeMutableBufferPointer { buffer in
                crypt_gensalt_rn(prefix, UInt(count), rnd.baseAddress?.assumingMemoryBound(to: CChar.self),
                                 Int32(rnd.count), buffer.baseAddress, Int32(buffer.count))
            }
        }
        guard made != nil else { return nil }
        return String(cString: out)
    }
}
