import CLinux
import Glibc

/// Unpredictable bytes and tokens from the kernel's CSPRNG (session ids, CSRF tokens, salts).
///
/// `getrandom(2)`, the source OpenSSL's own generator seeds from, rather than OpenSSL's
/// `RAND_bytes`: its first call sets up OpenSSL's generator, configuration and providers, about
/// 2 MiB of memory that an idle server would otherwise carry from start (a password check's dummy
/// hash needs a salt at start); see BENCHMARKS.md, idle memory.
public enum SecureRandom {
    /// `count` random bytes. A failing random source leaves no safe way to go on, so it stops the process.
    public static func bytes(_ count: Int) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        bytes.withUnsafeMutableBytes { buffer in
            var filled = 0
            while filled < count, let start = buffer.baseAddress {
                // Blocks only until the kernel's pool is first seeded after boot.
                let got = getrandom(start + filled, count - filled, 0)
                if got < 0 && errno == EINTR { continue }
                precondition(got > 0, "getrandom failed (errno \(errno)): the system random source is unavailable")
                filled += got
            }
        }
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
