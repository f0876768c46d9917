import CLinux
import Glibc

/// One listening socket (TCP or Unix). Every loop watches it with EPOLLEXCLUSIVE and accepts on wake-up.
final class Listener {
    let fd: Int32
    let address: ListenAddress
    /// The port actually bound (useful with port 0 in tests).
    let boundPort: UInt16

    var isUnix: Bool { if case .unix = address { return true } else { return false } }

    init(address: ListenAddress, socketMode: mode_t?, backlog: Int32 = 1024) throws {
        self.address = address
        switch address {
        case .tcp(let host, let port):
            let isV6 = host.contains(":")
            let fd = socket(isV6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw SocketError.system("socket", errno) }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            var result: Int32
            if isV6 {
                setsockopt(fd, Int32(IPPROTO_IPV6), IPV6_V6ONLY, &one, socklen_t(MemoryLayout<Int32>.size))
                var addr = sockaddr_in6()
                addr.sin6_family = sa_family_t(AF_INET6)
                addr.sin6_port = port.bigEndian
                inet_pton(AF_INET6, host, &addr.sin6_addr)
                result = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
                }
            } else {
                var addr = sockaddr_in()
                addr.sin_family = sa_family_t(AF_INET)
                addr.sin_port = port.bigEndian
                inet_pton(AF_INET, host, &addr.sin_addr)
                result = withUnsafePointer(to: &addr) {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
                }
            }
            if result != 0 {
                let error = errno
                Glibc.close(fd)
                throw SocketError.address("cannot listen on \(address): \(String(cString: strerror(error)))")
            }
            guard listen(fd, backlog) == 0 else {
                let error = errno
                Glibc.close(fd)
                throw SocketError.system("listen on \(address)", error)
            }
            self.fd = fd
            self.boundPort = Listener.localPort(fd) ?? port
        case .unix(let path):
            var info = stat()
            if lstat(path, &info) == 0 {
                // Only a stale socket may be replaced; never delete a regular file by mistake.
                guard (info.st_mode & S_IFMT) == S_IFSOCK else {
                    throw SocketError.address("cannot listen on \(address): the path exists and is not a socket")
                }
                unlink(path)
            }
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { throw SocketError.system("socket", errno) }
            var addr = sockaddr_un()
            addr.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &addr.sun_path) { raw in
                for (i, byte) in path.utf8.enumerated() where i < raw.count - 1 { raw[i] = byte }
            }
            let result = withUnsafePointer(to: &addr) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            if result != 0 {
                let error = errno
                Glibc.close(fd)
                throw SocketError.address("cannot listen on \(address): \(String(cString: strerror(error)))")
            }
            if let socketMode { chmod(path, socketMode) }
            guard listen(fd, backlog) == 0 else {
                let error = errno
                Glibc.close(fd)
                throw SocketError.system("listen on \(address)", error)
            }
            self.fd = fd
            self.boundPort = 0
        }
    }

    func close() {
        Glibc.close(fd)
        if case .unix(let path) = address { unlink(path) }
    }

    private static func localPort(_ fd: Int32) -> UInt16? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let ok = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard ok == 0 else { return nil }
        let family = storage.ss_family
        return withUnsafePointer(to: &storage) { pointer -> UInt16? in
            if family == sa_family_t(AF_INET) {
                return pointer.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin_port) }
            }
            return pointer.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { UInt16(bigEndian: $0.pointee.sin6_port) }
        }
    }

    /// The text form of a peer address from accept().
    static func peerText(_ storage: inout sockaddr_storage) -> String {
        var buffer = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN) + 1)
        switch Int32(storage.ss_family) {
        case AF_INET:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { addr -> String in
                    var a = addr.pointee.sin_addr
                    inet_ntop(AF_INET, &a, &buffer, socklen_t(buffer.count))
                    return String(cString: buffer)
                }
            }
        case AF_INET6:
            return withUnsafePointer(to: &storage) {
                $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { addr -> String in
                    var a = addr.pointee.sin6_addr
                    inet_ntop(AF_INET6, &a, &buffer, socklen_t(buffer.count))
                    let text = String(cString: buffer)
                    // Show IPv4-mapped peers as plain IPv4.
                    return text.hasPrefix("::ffff:") && text.contains(".") ? String(text.dropFirst(7)) : text
                }
            }
        default:
            return "unix"
        }
    }
}
