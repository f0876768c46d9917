import CZlib

/// A raw-deflate decompressor (zlib `inflate`) for permessage-deflate messages, whose output
/// is bounded: a compression bomb stops at `limit` bytes, not at the end of the heap.
final class Inflater {
    /// Why inflating stopped.
    enum Failure: Error, Equatable {
        /// The output would pass `limit`.
        case tooBig(limit: Int)
        /// The input is not valid deflate data; zlib's message says where.
        case corrupt(String)
    }

    /// The z_stream lives at a fixed address: zlib keeps a pointer back to it.
    private let stream: UnsafeMutablePointer<z_stream>
    let windowBits: Int

    /// `windowBits` 8...15: the largest window the peer may use.
    init?(windowBits: Int) {
        self.windowBits = windowBits
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // Negative window bits select raw deflate: no zlib header or checksum (RFC 7692 7.2.1).
        let status = inflateInit2_(stream, -Int32(windowBits), zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Forgets the window, for a peer that does not take context over between messages.
    func reset() {
        inflateReset(stream)
    }

    /// The 4 bytes a sender strips from the end of each message (RFC 7692 7.2.2): an empty
    /// stored block that makes zlib flush everything it holds.
    static let messageTail: [UInt8] = [0x00, 0x00, 0xFF, 0xFF]

    /// Inflates all of `input`, appending to `output`, which must not grow past `limit` bytes.
    func inflate(_ input: UnsafeRawBufferPointer, into output: inout [UInt8], limit: Int) throws {
        guard let base = input.baseAddress, input.count > 0 else { return }
        stream.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: Bytef.self))
        stream.pointee.avail_in = uInt(input.count)
        defer {
            stream.pointee.next_in = nil
            stream.pointee.avail_in = 0
        }
        while true {
            // One byte more than allowed, so "exactly at the limit" and "past it" differ.
            let room = min(limit - output.count + 1, max(16 * 1024, output.count / 2))
            guard room > 0 else { throw Failure.tooBig(limit: limit) }
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: room))
            let status: Int32 = output.withUnsafeMutableBytes { all in
                stream.pointee.next_out = all.baseAddress!.advanced(by: start).assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(room)
                let status = CZlib.inflate(stream, Z_SYNC_FLUSH)
                stream.pointee.next_out = nil
                return status
            }
            let unused = Int(stream.pointee.avail_out)
            output.removeLast(unused)
            if output.count > limit { throw Failure.tooBig(limit: limit) }
            switch status {
            case Z_OK:
                // More to do while input remains or zlib filled all the room it had.
                if stream.pointee.avail_in == 0 && unused > 0 { return }
            case Z_STREAM_END:
                // The sender set BFINAL: that deflate stream is over. Whatever follows (the
                // message tail, the next message) starts a new one.
                inflateReset(stream)
                if stream.pointee.avail_in == 0 { return }
            case Z_BUF_ERROR:
                // No progress possible: all input consumed and nothing pending.
                if stream.pointee.avail_in == 0 { return }
                throw Failure.corrupt("inflate made no progress")
            default:
                throw Failure.corrupt(message(status))
            }
        }
    }

    private func message(_ status: Int32) -> String {
        if let text = stream.pointee.msg { return String(cString: text) }
        return "zlib status \(status)"
    }
}
