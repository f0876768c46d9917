import Glibc
import Phone

/// Turning into a background process and keeping a pid file, as the original intercom server did.
enum Daemon {
    /// Forks twice and detaches from the terminal. Must run before any thread starts:
    /// only the calling thread survives a fork. Returns only in the final child.
    static func detach(logFile: String?) throws {
        switch fork() {
        case -1: throw DaemonError("fork failed: \(String(cString: strerror(errno)))")
        case 0: break
        default: _exit(0)
        }
        setsid()
        switch fork() {
        case -1: throw DaemonError("fork failed: \(String(cString: strerror(errno)))")
        case 0: break
        default: _exit(0)
        }
        umask(0o027)
        let null = open("/dev/null", O_RDWR)
        if null >= 0 {
            dup2(null, 0)
            dup2(null, 1)
            if logFile == nil { dup2(null, 2) }
            if null > 2 { close(null) }
        }
        if let logFile {
            let fd = open(logFile, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o640)
            guard fd >= 0 else { throw DaemonError("cannot open log file \(logFile): \(String(cString: strerror(errno)))") }
            dup2(fd, 1)
            dup2(fd, 2)
            close(fd)
        }
    }

    /// Writes our pid, refusing when the file names a process that is still running.
    static func writePidFile(_ path: String) throws {
        if let text = readTextFile(path, limit: 64), let pid = Int32(text.split(whereSeparator: \.isWhitespace).first ?? ""),
           pid > 0, pid != getpid(), kill(pid, 0) == 0 {
            throw DaemonError("pid file \(path) names process \(pid), which is still running")
        }
        do { try AtomicFile.write(Array("\(getpid())\n".utf8), to: path, mode: 0o644) } catch {
            throw DaemonError("cannot write pid file: \(error)")
        }
    }

    static func removePidFile(_ path: String) {
        if let text = readTextFile(path, limit: 64), Int32(text.split(whereSeparator: \.isWhitespace).first ?? "") == getpid() {
            unlink(path)
        }
    }
}

struct DaemonError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
