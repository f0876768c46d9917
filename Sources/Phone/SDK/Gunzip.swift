import CZlib

/// Unpacks a gzip file (an npm tarball) in memory, refusing output past `limit` bytes.
public enum Gunzip {
    public static func decompress(_ input: [UInt8], limit: Int) throws -> [UInt8] {
        var stream = z_stream()
        // 16 + 15: a gzip header and trailer around the deflate data, 32 KiB window.
        guard inflateInit2_(&stream, 16 + 15, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw SDKError("zlib could not start")
        }
        defer { inflateEnd(&stream) }
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65_536)
        var status: Int32 = Z_OK
        try input.withUnsafeBufferPointer { source in
            stream.next_in = UnsafeMutablePointer(mutating: source.baseAddress)
            stream.avail_in = uInt(source.count)
            repeat {
                let produced = chunk.withUnsafeMutableBufferPointer { buffer -> Int in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(buffer.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    return buffer.count - Int(stream.avail_out)
                }
                guard status == Z_OK || status == Z_STREAM_END else { throw SDKError("the tarball is not valid gzip (zlib status \(status))") }
                output.append(contentsOf: chunk[0..<produced])
                guard output.count <= limit else { throw SDKError("the tarball unpacks to more than \(limit) bytes") }
                if produced == 0 && stream.avail_in == 0 && status != Z_STREAM_END { throw SDKError("the tarball is cut short") }
            } while status != Z_STREAM_END
        }
        return output
    }
}

/// Why the SDK could not be fetched or installed.
public struct SDKError: Error, CustomStringConvertible, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
