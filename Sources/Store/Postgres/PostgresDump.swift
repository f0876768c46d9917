import Glibc
import Postgres

/// `shetphone backup FILE` on PostgreSQL: runs the client tools' `pg_dump` in its custom format
/// (restore with `pg_restore`), writing into FILE, which it creates new with mode 0600. The
/// password reaches pg_dump in its environment (`PGPASSWORD`), never on its command line, where
/// any local user could read it.
enum PostgresDump {
    /// The most of pg_dump's error output kept for the message (4 KiB).
    static let maxErrorBytes = 4096

    static func run(url: PostgresURL, to path: String) throws {
        guard let program = findOnPath("pg_dump") else {
            throw StoreError(.other, "\(url.redacted): pg_dump is not on PATH; install PostgreSQL's client tools "
                + "(Debian: postgresql-client, the same major version as the server or newer) and run backup again")
        }
        let file = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard file >= 0 else {
            let reason = errno == EEXIST ? "already exists; backup writes a new file only" : String(cString: strerror(errno))
            throw StoreError(.cannotOpen, "\(path): \(reason)")
        }
        var errors: [Int32] = [-1, -1]
        guard pipe(&errors) == 0 else {
            close(file)
            unlink(path)
            throw StoreError(.other, "\(path): cannot start pg_dump: \(String(cString: strerror(errno)))")
        }
        // Neither end may leak into other children; pg_dump gets the write end as its stderr.
        _ = fcntl(errors[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(errors[1], F_SETFD, FD_CLOEXEC)
        let (connection, password) = url.withoutPassword
        let arguments = [program, "--format=custom", "--no-password", "--dbname=" + connection]
        var environment = currentEnvironment().filter { !$0.hasPrefix("PGPASSWORD=") }
        if let password { environment.append("PGPASSWORD=" + password) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        posix_spawn_file_actions_adddup2(&actions, file, 1)
        posix_spawn_file_actions_adddup2(&actions, errors[1], 2)
        var child: pid_t = 0
        let spawned = withCStringArray(arguments) { argv in
            withCStringArray(environment) { envp in posix_spawn(&child, program, &actions, nil, argv, envp) }
        }
        posix_spawn_file_actions_destroy(&actions)
        close(file)
        close(errors[1])
        let output = spawned == 0 ? readAll(errors[0], limit: maxErrorBytes) : []
        close(errors[0])
        guard spawned == 0 else {
            unlink(path)
            throw StoreError(.other, "\(program): cannot run: \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        let exited = status & 0x7F == 0
        let code = (status >> 8) & 0xFF
        guard exited && code == 0 else {
            unlink(path)
            var message = String(decoding: output, as: UTF8.self)
            while let last = message.last, last.isWhitespace { message.removeLast() }
            let how = exited ? "exit status \(code)" : "signal \(status & 0x7F)"
            throw StoreError(.other, "\(url.redacted): pg_dump failed (\(how)): "
                + message.split(separator: "\n").joined(separator: "; "))
        }
    }

    /// The first executable `name` in the folders of PATH.
    static func findOnPath(_ name: String) -> String? {
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") where !folder.isEmpty {
            let candidate = folder + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    static func currentEnvironment() -> [String] {
        var entries: [String] = []
        var cursor = environ
        while let entry = cursor.pointee {
            entries.append(String(cString: entry))
            cursor += 1
        }
        return entries
    }

    static func readAll(_ fd: Int32, limit: Int) -> [UInt8] {
        var kept: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return kept }
            // Read to the end (so pg_dump never blocks on a full pipe), keep the first bytes.
            if kept.count < limit { kept += chunk[0..<min(count, limit - kept.count)] }
        }
    }

    /// NUL-terminated copies with a NULL after the last, as `posix_spawn` takes them.
    static func withCStringArray<R>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> R) -> R {
        let copies = strings.map { strdup($0) }
        defer { copies.forEach { free($0) } }
        return body(copies + [nil])
    }
}
