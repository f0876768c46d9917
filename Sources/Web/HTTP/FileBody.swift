import Glibc

/// A response body the kernel copies from an open file to the socket (`sendfile(2)`): `count`
/// bytes from `offset`. The bytes never pass through user space, so a large file costs the
/// server neither its size in memory nor a copy per response.
public struct FileBody: Sendable {
    public let file: OpenFile
    public let offset: Int
    public let count: Int

    public init(file: OpenFile, offset: Int = 0, count: Int) {
        self.file = file
        self.offset = offset
        self.count = count
    }
}

/// A file descriptor opened for reading, closed when the last response or connection queue
/// holding it lets go.
public final class OpenFile: @unchecked Sendable {
    public let descriptor: Int32

    /// Takes ownership of `descriptor`.
    public init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    deinit { close(descriptor) }
}
