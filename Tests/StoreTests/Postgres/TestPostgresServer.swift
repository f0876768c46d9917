import Foundation
import XCTest

/// A real PostgreSQL for the tests, from Debian's `postgresql` package: initdb and pg_ctl in a
/// temporary folder, a Unix socket there and a TLS-enabled TCP port on 127.0.0.1 (self-signed
/// certificate). As root it runs as the `postgres` user the package creates (initdb refuses root).
/// One server per test process, stopped at exit.
final class TestPostgresServer {
    let folder: String
    let port: Int
    let binDir: String
    private let runAs: String?

    /// Unix socket in `folder`.
    var socketURL: String { "postgresql://shetphone@/postgres?host=\(folder)&port=\(port)" }
    /// TCP on 127.0.0.1 (TLS offered).
    var tcpURL: String { "postgresql://shetphone@127.0.0.1:\(port)/postgres" }

    nonisolated(unsafe) private static var shared: TestPostgresServer?
    nonisolated(unsafe) private static var startError: String?

    /// The process's server, started on first use; the test fails (not skips) when it cannot start.
    static func get() throws -> TestPostgresServer {
        if let shared { return shared }
        if let startError { throw Failure(description: startError) }
        do {
            let server = try TestPostgresServer()
            shared = server
            atexit {
                TestPostgresServer.shared?.stop()
                if let folder = TestPostgresServer.shared?.folder { try? FileManager.default.removeItem(atPath: folder) }
            }
            return server
        } catch {
            startError = "\(error)"
            throw error
        }
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init() throws {
        guard let bin = TestPostgresServer.findBinDir() else {
            throw Failure(description: "no /usr/lib/postgresql/*/bin/initdb: apt-get install postgresql")
        }
        binDir = bin
        var template = Array("/tmp/sp-pg-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "mkdtemp failed") }
        folder = String(cString: made)
        port = TestPostgresServer.freePort()
        runAs = getuid() == 0 ? (getpwnam("postgres") != nil ? "postgres" : "nobody") : nil
        if let runAs, let user = getpwnam(runAs) {
            chown(folder, user.pointee.pw_uid, user.pointee.pw_gid)
        }
        chmod(folder, 0o755)
        let data = folder + "/data"
        try run([binDir + "/initdb", "-D", data, "-U", "shetphone", "--auth=trust", "-E", "UTF8",
                 "--no-sync", "--no-instructions"])
        try run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                 "-keyout", data + "/server.key", "-out", data + "/server.crt"], asServerUser: true)
        chmod(data + "/server.key", 0o600)
        try start()
    }

    func start() throws {
        let options = "-k \(folder) -p \(port) -c listen_addresses=127.0.0.1 -c ssl=on -c fsync=off"
        try run([binDir + "/pg_ctl", "-D", folder + "/data", "-o", options, "-l", folder + "/log", "-w", "-t", "30",
                 "start"])
    }

    func stop() {
        _ = try? run([binDir + "/pg_ctl", "-D", folder + "/data", "-m", "immediate", "-w", "stop"])
    }

    /// Restarts the server (`pg_ctl restart -m fast`): every client connection breaks.
    func restart() throws {
        try run([binDir + "/pg_ctl", "-D", folder + "/data", "-m", "fast", "-w", "stop"])
        try start()
    }

    /// Runs a command (as the server's user when root), output to a file; throws with the
    /// output and the server log when it fails. posix_spawn + waitpid: Foundation's Process can
    /// miss the exit of a command whose child (the server) lives on.
    @discardableResult
    func run(_ arguments: [String], asServerUser: Bool = true) throws -> String {
        var argv = ["/usr/bin/env"] + arguments
        if let runAs, asServerUser { argv = ["/usr/sbin/runuser", "-u", runAs, "--"] + arguments }
        let outputPath = folder + "/command.out"
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid = pid_t()
        let spawned = posix_spawn(&pid, argv[0], &actions, nil, &cArguments, environ)
        guard spawned == 0 else { throw Failure(description: "cannot run \(argv[0]): errno \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let text = (try? String(contentsOfFile: outputPath, encoding: .utf8)) ?? ""
        guard status == 0 else {
            let log = (try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? ""
            throw Failure(description: "\(arguments.joined(separator: " ")) failed:\n\(text)\n\(log)")
        }
        return text
    }

    static func findBinDir() -> String? {
        let root = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? [])
            .compactMap(Int.init).sorted(by: >)
        return versions.map { "\(root)/\($0)/bin" }.first {
            FileManager.default.isExecutableFile(atPath: $0 + "/initdb")
        }
    }

    static func freePort() -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { pointer -> Int32 in
                _ = bind(fd, pointer, length)
                return getsockname(fd, pointer, &length)
            }
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
