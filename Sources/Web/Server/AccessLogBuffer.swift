import Glibc

/// One loop's access-log lines not yet handed to the writer. Each line is formatted straight
/// into an `AccessLogChunk` through a pointer: no array appends and no exclusivity check per
/// field; the room for a whole line (`maxLineBytes`, every field cut to its limit) is checked
/// once per line. Loop thread only (and the shutting-down thread once the loops have stopped).
final class AccessLogBuffer {
    /// The longest client address, method and target a line holds (bytes; the rest is cut).
    static let clientLimit = 64
    static let methodLimit = 32
    static let targetLimit = 200
    /// `2026-11-30T02:30:56+0000` and room to spare for an odd `%z`.
    private static let stampRoom = 40
    /// The cut fields, five numbers of at most 20 digits, the separators and ` HTTP/`.
    private static let fieldRoom = clientLimit + methodLimit + targetLimit + 5 * 20 + 32

    /// What the line's writes go through: pointer-reached, so no access is checked at run time.
    private struct State {
        var chunk: AccessLogChunk
        var prefixCount = 0
        var prefixSecond = -1
    }

    private let state: UnsafeMutablePointer<State>
    /// `2026-11-30T02:30:56+0000 info shetphone: [Web] `, rebuilt once a second.
    private let prefix: UnsafeMutablePointer<UInt8>
    /// ` info shetphone: [Web] `: the prefix after the timestamp.
    private let labelPart: [UInt8]
    /// The most one line can take (the room checked before each line).
    let maxLineBytes: Int
    /// What a chunk for this buffer holds: a flush's worth of lines plus one more line.
    let chunkCapacity: Int

    init(label: String, flushBytes: Int = AccessLog.flushBytes) {
        labelPart = Array(" info \(label): [Web] ".utf8)
        maxLineBytes = AccessLogBuffer.stampRoom + labelPart.count + AccessLogBuffer.fieldRoom
        chunkCapacity = flushBytes + maxLineBytes
        prefix = .allocate(capacity: AccessLogBuffer.stampRoom + labelPart.count)
        state = .allocate(capacity: 1)
        state.initialize(to: State(chunk: .allocate(capacity: chunkCapacity)))
    }

    deinit {
        state.pointee.chunk.free()
        state.deinitialize(count: 1)
        state.deallocate()
        prefix.deallocate()
    }

    var byteCount: Int { state.pointee.chunk.count }
    var lineCount: Int { state.pointee.chunk.lineCount }
    /// A copy of the lines so far (tests, and the last write at shutdown).
    var bytes: [UInt8] { Array(state.pointee.chunk.bytes) }

    /// `client "METHOD target VERSION" status bodyBytes 0.1ms`, the client, method and target cut
    /// at their limits and anything but printable ASCII in them written as `?` (a log reader must
    /// not be fooled by them).
    func append(client: String, method: String, target: String, version: HTTPVersion, status: Int, bodyBytes: Int,
                micros: Int) {
        let second = time(nil)
        if second != state.pointee.prefixSecond { refreshPrefix(second) }
        if state.pointee.chunk.capacity - state.pointee.chunk.count < maxLineBytes {
            // Only when lines were appended without a flush (the loop flushes at `flushBytes`).
            state.pointee.chunk = state.pointee.chunk.moved(toCapacity: state.pointee.chunk.capacity * 2)
        }
        let start = state.pointee.chunk.start + state.pointee.chunk.count
        var p = start
        p.update(from: prefix, count: state.pointee.prefixCount)
        p += state.pointee.prefixCount
        p = AccessLogBuffer.put(client, limit: AccessLogBuffer.clientLimit, at: p)
        p[0] = 0x20
        p[1] = 0x22  // "
        p = AccessLogBuffer.put(method, limit: AccessLogBuffer.methodLimit, at: p + 2)
        p[0] = 0x20
        p = AccessLogBuffer.put(target, limit: AccessLogBuffer.targetLimit, at: p + 1)
        p[0] = 0x20
        p[1] = 0x48  // H
        p[2] = 0x54  // T
        p[3] = 0x54  // T
        p[4] = 0x50  // P
        p[5] = 0x2F  // /
        p = AccessLogBuffer.putDecimal(version.major, at: p + 6)
        p[0] = 0x2E  // .
        p = AccessLogBuffer.putDecimal(version.minor, at: p + 1)
        p[0] = 0x22
        p[1] = 0x20
        p = AccessLogBuffer.putDecimal(status, at: p + 2)
        p[0] = 0x20
        p = AccessLogBuffer.putDecimal(bodyBytes, at: p + 1)
        p[0] = 0x20
        // Milliseconds with one decimal, as the line always had.
        let tenths = max(0, micros) / 100
        p = AccessLogBuffer.putDecimal(tenths / 10, at: p + 1)
        p[0] = 0x2E
        p[1] = 0x30 &+ UInt8(tenths % 10)
        p[2] = 0x6D  // m
        p[3] = 0x73  // s
        p[4] = 0x0A
        p += 5
        state.pointee.chunk.count += p - start
        state.pointee.chunk.lineCount += 1
    }

    /// Gives the lines so far to the caller (the writer) and goes on in `empty`.
    func handOver(for empty: AccessLogChunk) -> AccessLogChunk {
        let full = state.pointee.chunk
        state.pointee.chunk = empty.capacity >= chunkCapacity ? empty : empty.moved(toCapacity: chunkCapacity)
        return full
    }

    /// Forgets the lines so far (the writer could not take them; they are counted as dropped).
    func discardLines() {
        state.pointee.chunk = state.pointee.chunk.emptied()
    }

    /// Writes `text`'s UTF-8, at most `limit` bytes, as printable ASCII: `"`, control bytes and
    /// anything not ASCII become `?`.
    @inline(__always)
    private static func put(_ text: String, limit: Int, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        if let end = text.utf8.withContiguousStorageIfAvailable({ putPrintable($0, limit: limit, at: p) }) {
            return end
        }
        var q = p
        for byte in text.utf8.prefix(limit) {
            q.pointee = printable(byte)
            q += 1
        }
        return q
    }

    @inline(__always)
    private static func putPrintable(_ utf8: UnsafeBufferPointer<UInt8>, limit: Int,
                                     at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        let count = min(utf8.count, limit)
        guard count > 0, let source = utf8.baseAddress else { return p }
        let words = UnsafeRawPointer(source)
        var i = 0
        // Eight bytes at a time: a word of plain text is copied whole, any other byte by byte.
        while i + 8 <= count {
            let word = words.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if isPlainText(word) {
                UnsafeMutableRawPointer(p).storeBytes(of: word, toByteOffset: i, as: UInt64.self)
            } else {
                for k in i..<i + 8 { p[k] = printable(source[k]) }
            }
            i += 8
        }
        while i < count {
            p[i] = printable(source[i])
            i += 1
        }
        return p + count
    }

    /// Whether all eight bytes of `word` are printable ASCII other than `"` (each test below
    /// is exact for "some byte is": a borrow or carry only starts at a byte that is).
    @inline(__always)
    static func isPlainText(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let control = (word &- ones &* 0x20) & ~word & highs  // a byte below 0x20
        let notASCII = ((word &+ ones) | word) & highs  // a byte above 0x7E
        let quotes = word ^ (ones &* 0x22)
        let quote = (quotes &- ones) & ~quotes & highs  // a byte that is 0x22
        return (control | notASCII | quote) == 0
    }

    @inline(__always)
    private static func printable(_ byte: UInt8) -> UInt8 {
        byte &- 0x20 < 0x5F && byte != 0x22 ? byte : 0x3F
    }

    /// `value` (negative as 0) in decimal at `p`; at most 19 digits.
    @inline(__always)
    private static func putDecimal(_ value: Int, at p: UnsafeMutablePointer<UInt8>) -> UnsafeMutablePointer<UInt8> {
        var rest = UInt(max(0, value))
        if rest < 10 {
            p[0] = 0x30 &+ UInt8(truncatingIfNeeded: rest)
            return p + 1
        }
        var digits = 0
        var scan = rest
        repeat {
            digits += 1
            scan /= 10
        } while scan > 0
        var q = p + digits
        repeat {
            q -= 1
            q[0] = 0x30 &+ UInt8(truncatingIfNeeded: rest % 10)
            rest /= 10
        } while rest > 0
        return p + digits
    }

    private func refreshPrefix(_ second: time_t) {
        let stamp = UnsafeMutableRawPointer(prefix).assumingMemoryBound(to: CChar.self)
        var count = LogTimestamp.write(second, into: stamp, capacity: AccessLogBuffer.stampRoom)
        labelPart.withUnsafeBufferPointer { part in
            guard let base = part.baseAddress else { return }
            (prefix + count).update(from: base, count: part.count)
            count += part.count
        }
        state.pointee.prefixCount = count
        state.pointee.prefixSecond = second
    }
}
