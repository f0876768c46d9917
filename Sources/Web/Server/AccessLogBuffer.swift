import Glibc

/// One loop's access-log lines not yet handed to the writer. Loop thread only (and the
/// shutting-down thread once the loops have stopped).
final class AccessLogBuffer {
    /// `2026-11-30T02:30:56+0000 info shetphone: [Web] `, rebuilt once a second.
    private var prefix: [UInt8] = []
    private var prefixSecond = -1
    private let label: String
    private(set) var bytes: [UInt8] = []
    private(set) var lineCount = 0

    init(label: String) {
        self.label = label
        bytes.reserveCapacity(AccessLog.flushBytes + 1024)
    }

    var byteCount: Int { bytes.count }

    /// `client "METHOD target VERSION" status bodyBytes 0.1ms`, the target cut at 200 bytes and
    /// anything but printable ASCII in it written as `?` (a log reader must not be fooled by it).
    func append(client: String, method: String, target: String, version: HTTPVersion, status: Int, bodyBytes: Int,
                micros: Int) {
        refreshPrefix()
        // The line is written into a local array (moved out and back, not copied): one access to
        // the stored property per line instead of one per byte.
        var line: [UInt8] = []
        swap(&line, &bytes)
        defer { swap(&line, &bytes) }
        line.append(contentsOf: prefix)
        AccessLogBuffer.appendPrintable(client, limit: 64, to: &line)
        line.append(0x20)
        line.append(0x22)
        AccessLogBuffer.appendPrintable(method, limit: 32, to: &line)
        line.append(0x20)
        AccessLogBuffer.appendPrintable(target, limit: 200, to: &line)
        line.append(contentsOf: AccessLogBuffer.http)
        HTTPResponseEncoder.appendDecimal(&line, max(0, version.major))
        line.append(0x2E)
        HTTPResponseEncoder.appendDecimal(&line, max(0, version.minor))
        line.append(0x22)
        line.append(0x20)
        HTTPResponseEncoder.appendDecimal(&line, max(0, status))
        line.append(0x20)
        HTTPResponseEncoder.appendDecimal(&line, max(0, bodyBytes))
        line.append(0x20)
        // Milliseconds with one decimal, as the line always had.
        let tenths = max(0, micros) / 100
        HTTPResponseEncoder.appendDecimal(&line, tenths / 10)
        line.append(0x2E)
        HTTPResponseEncoder.appendDecimal(&line, tenths % 10)
        line.append(0x6D)  // m
        line.append(0x73)  // s
        line.append(0x0A)
        lineCount += 1
    }

    /// The lines so far; the buffer starts again empty.
    func take() -> (bytes: [UInt8], lineCount: Int) {
        let taken = (bytes, lineCount)
        bytes = []
        bytes.reserveCapacity(AccessLog.flushBytes + 1024)
        lineCount = 0
        return taken
    }

    private static func appendPrintable(_ text: String, limit: Int, to line: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            for byte in utf8.prefix(limit) {
                line.append(byte >= 0x20 && byte < 0x7F && byte != 0x22 ? byte : 0x3F)
            }
        }
    }

    private func refreshPrefix() {
        var now = time_t()
        time(&now)
        let second = Int(now)
        guard second != prefixSecond else { return }
        prefixSecond = second
        var local = tm()
        localtime_r(&now, &local)
        var stamp = [CChar](repeating: 0, count: 64)
        let length = strftime(&stamp, stamp.count, "%Y-%m-%dT%H:%M:%S%z", &local)
        prefix = stamp[0..<Int(length)].map { UInt8(bitPattern: $0) }
        prefix.append(contentsOf: " info \(label): [Web] ".utf8)
    }

    private static let http: [UInt8] = Array(" HTTP/".utf8)
}
