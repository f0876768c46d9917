import CLI
import Glibc
import Phone

/// `shetphone passwd FILE USER`: adds a user to an `.htpasswd` file or changes their password,
/// with a bcrypt hash Apache reads too. A running server picks the change up within a second.
struct PasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "passwd",
        abstract: "Add a user to an .htpasswd file, or change their password (bcrypt, like htpasswd -B).",
        discussion: "On a terminal the password is asked for twice, without echo. Otherwise the first line "
            + "of standard input is the password: printf '%s\\n' \"$PASSWORD\" | shetphone passwd .htpasswd alice. "
            + "The file is replaced atomically and keeps its mode; a new file gets mode 0640. "
            + "A running server picks the change up within a second."
    )

    @Argument(help: "The .htpasswd file (created when missing).")
    var file: String

    @Argument(help: "The user name (no ':', spaces or control characters).")
    var user: String

    @Option(name: .long, help: "bcrypt cost: each step doubles the work (4-31).")
    var cost: Int = BcryptHasher.defaultCost

    func validate() throws {
        if let rule = HtpasswdContents.ruleBroken(byUser: user) {
            throw ValidationError("user name \(user.debugDescription) \(rule)")
        }
        guard BcryptHasher.costs.contains(cost) else {
            throw ValidationError("--cost \(cost) is outside \(BcryptHasher.costs.lowerBound)-\(BcryptHasher.costs.upperBound)")
        }
    }

    func run() throws {
        do {
            let password = try PasswordPrompt.read(user: user)
            let hash = try BcryptHasher.hash(password, cost: cost)
            switch try HtpasswdFile.setPassword(path: file, user: user, hash: hash) {
            case .added: print("\(file): added user \(user)")
            case .changed: print("\(file): changed the password of \(user)")
            }
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
    }
}

/// Reads a new password: twice without echo from a terminal, or one line from a pipe.
enum PasswordPrompt {
    struct Refused: Error, CustomStringConvertible {
        let description: String
    }

    static let maxBytes = 1024

    static func read(user: String) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else {
            guard let line = readLine(fd: STDIN_FILENO) else { throw Refused(description: "no password on standard input") }
            return try checked(try text(line))
        }
        let first = try checked(try text(try askWithoutEcho("New password for \(user): ")))
        let second = try text(try askWithoutEcho("Re-type the password: "))
        guard first == second else { throw Refused(description: "the two passwords differ; nothing was changed") }
        return first
    }

    /// Bytes that are not UTF-8 would be changed by decoding, and the hash would then not match
    /// what the browser sends; refuse them instead.
    private static func text(_ bytes: [UInt8]) throws -> String {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Refused(description: "the password is not UTF-8 text; nothing was changed")
        }
        return text
    }

    private static func checked(_ password: String) throws -> String {
        guard !password.isEmpty else { throw Refused(description: "the password is empty; nothing was changed") }
        return password
    }

    private static func askWithoutEcho(_ prompt: String) throws -> [UInt8] {
        fputs(prompt, stderr)
        fflush(stderr)
        var saved = termios()
        guard tcgetattr(STDIN_FILENO, &saved) == 0 else {
            throw Refused(description: "cannot read the terminal settings: \(String(cString: strerror(errno)))")
        }
        var quiet = saved
        quiet.c_lflag &= ~tcflag_t(ECHO)
        quiet.c_lflag |= tcflag_t(ECHONL)
        // Ctrl-C while echo is off must not leave the terminal silent: restore it, then exit.
        terminalToRestore = saved
        let oldInt = signal(SIGINT, restoreTerminalAndExit)
        let oldTerm = signal(SIGTERM, restoreTerminalAndExit)
        defer {
            var restore = saved
            tcsetattr(STDIN_FILENO, TCSAFLUSH, &restore)
            signal(SIGINT, oldInt)
            signal(SIGTERM, oldTerm)
            terminalToRestore = nil
        }
        guard tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0 else {
            throw Refused(description: "cannot turn off echo: \(String(cString: strerror(errno)))")
        }
        guard let line = readLine(fd: STDIN_FILENO) else { throw Refused(description: "no password entered") }
        return line
    }

    /// One line from `fd`, without its "\n" or "\r\n"; nil at end of input with nothing read.
    /// Reads byte by byte so nothing past the line is consumed.
    private static func readLine(fd: Int32) -> [UInt8]? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while bytes.count <= maxBytes {
            let count = Glibc.read(fd, &byte, 1)
            if count < 0 && errno == EINTR { continue }
            if count <= 0 { return bytes.isEmpty ? nil : bytes }
            if byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        if bytes.last == UInt8(ascii: "\r") { bytes.removeLast() }
        return bytes
    }
}

nonisolated(unsafe) private var terminalToRestore: termios?

private func restoreTerminalAndExit(_ signal: Int32) {
    if var saved = terminalToRestore { tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved) }
    _exit(128 + signal)
}
