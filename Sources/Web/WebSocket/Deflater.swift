import CZlib

/// A raw-deflate compressor (zlib `deflate`) that turns one message into the payload of a
/// permessage-deflate frame: flushed to a byte boundary, without the trailing 00 00 FF FF.
final class Deflater {
    private let stream: UnsafeMutablePointer<z_stream>
    let windowBits: Int
    let level: Int32
    let memoryLevel: Int32

    /// `windowBits` 9...15 (see `PerMessageDeflate.compressorWindowBits` for 8).
    init?(windowBits: Int, level: Int32 = 6, memoryLevel: Int32 = 8) {
        self.windowBits = windowBits
        self.level = level
        self.memoryLevel = memoryLevel
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        let status = deflateInit2_(stream, level, Z_DEFLATED, -Int32(windowBits), memoryLevel, Z_DEFAULT_STRATEGY,
                                   zlibVersion(), Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else {
            stream.deinitialize(count: 1)
            stream.deallocate()
            return nil
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    /// Starts the next message with an empty window (no context takeover).
    func reset() {
        deflateReset(stream)
    }

    /// Compresses one whole message. The window carries over to the next call unless `reset()`.
    func compress(_ input: UnsafeRawBufferPointer) -> [UInt8] {
        var output: [UInt8] = []
        // deflateBound covers a whole stream; a sync flush adds at most a few bytes to it.
        output.reserveCapacity(Int(deflateBound(stream, uLong(input.count))) + 16)
        stream.pointee.next_in = input.baseAddress.map {
            UnsafeMutablePointer(mutating: $0.assumingMemoryBound(to: Bytef.self))
        }
        stream.pointee.avail_in = uInt(input.count)
        while true {
            let room = max(64, output.capacity - output.count)
            let start = output.count
            output.append(contentsOf: repeatElement(0, count: room))
            output.withUnsafeMutableBytes { all in
                stream.pointee.next_out = all.baseAddress!.advanced(by: start).assumingMemoryBound(to: Bytef.self)
                stream.pointee.avail_out = uInt(room)
                // Z_SYNC_FLUSH ends the message on a byte boundary with an empty stored block.
                _ = deflate(stream, Z_SYNC_FLUSH)
                stream.pointee.next_out = nil
            }
            let unused = Int(stream.pointee.avail_out)
            output.removeLast(unused)
            // zlib is done with the flush once it returns with room to spare.
            if unused > 0 { break }
        }
        stream.pointee.next_in = nil
        stream.pointee.avail_in = 0
        if output.count >= 4 && output[output.count - 4] == 0 && output[output.count - 3] == 0
            && output[output.count - 2] == 0xFF && output[output.count - 1] == 0xFF {
            output.removeLast(4)
        }
        return output
    }

    func compress(_ input: [UInt8]) -> [UInt8] {
        input.withUnsafeBytes { compress($0) }
    }
}
