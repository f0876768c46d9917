#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered lines on stdout and stderr: scripts/bench waits for "listening on ..." through
/// a pipe, where a buffered `print` would sit unseen.
public enum ProcessOutput {
    public static func line(_ text: String) { write(fd: 1, text + "\n") }

    /// Prints `text` on stderr and exits with `code`.
    public static func fail(_ text: String, code: Int32 = 2) -> Never {
        write(fd: 2, text + "\n")
        exit(code)
    }

    private static func write(fd: Int32, _ text: String) {
        var text = text
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return }
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, base + offset, bytes.count - offset)
                if written <= 0 { return }
                offset += written
            }
        }
    }
}
