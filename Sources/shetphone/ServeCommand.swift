import CLI
import Glibc
import Logging
import Phone
import Web

/// `shetphone serve`: runs the server until SIGTERM or SIGINT.
struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server (default: ./shetphone.ini if present, else a built-in demo on 127.0.0.1:8080)."
    )

    @Option(name: .shortAndLong, help: "The config file (default: shetphone.ini in the working directory).")
    var config: String?

    @Option(name: .long, help: "Listen here instead of [server] listen (repeatable): 127.0.0.1:8080, [::1]:8080, unix:/run/shetphone.sock.")
    var listen: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "info"

    @Option(name: .long, help: "Write the server's process id here while it runs (kill $(cat FILE) stops it).")
    var pidFile: String?

    @Flag(name: .long, help: "Run in the background, detached from the terminal (see also --log-file).")
    var daemon = false

    @Option(name: .long, help: "With --daemon: append the log here instead of discarding it.")
    var logFile: String?

    func run() throws {
        guard let level = Logger.Level(rawValue: logLevel) else {
            printError("--log-level \"\(logLevel)\" is not one of trace, debug, info, notice, warning, error, critical")
            throw ExitCode(2)
        }
        if daemon {
            // Before any thread exists: fork keeps only the calling thread.
            do { try Daemon.detach(logFile: logFile) } catch {
                printError("\(error)")
                throw ExitCode(1)
            }
        }
        // Log lines go to a writer thread from here on, so a blocked standard error never holds
        // up a loop; every line queued is written before the process exits, or dies of a signal.
        LogWriter.standardError.start(label: "shetphone")
        LogWriter.standardError.writeQueuedLinesOnFatalSignals()
        defer { LogWriter.standardError.stop() }
        LoggingSystem.bootstrap { label in
            var handler = StandardErrorLogHandler(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "shetphone")

        var settings: ShetphoneConfig
        do {
            if let config {
                settings = try ShetphoneConfig.load(path: config)
            } else if access("shetphone.ini", F_OK) == 0 {
                settings = try ShetphoneConfig.load(path: "shetphone.ini")
            } else {
                settings = ShetphoneConfig.demo()
            }
            if !listen.isEmpty {
                settings.server.server.listen = try listen.map { try ListenAddress(parsing: $0) }
            }
            try settings.checkDemoIsLocal()
            try settings.checkDemoFilesArePresent()
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        for message in settings.messages { logger.warning("\(message)") }
        if settings.isDemo {
            logger.notice("no config file: running the built-in demo config on \(settings.server.server.listen.map(\.description).joined(separator: " ")) (copy shetphone.ini.example to shetphone.ini to configure)")
        } else {
            logger.info("config \(settings.path)")
        }

        // Signals are taken by sigwait on this thread; block them before any other thread starts.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGHUP] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)

        let app: PhoneApp
        let server: HTTPServer
        do {
            app = try PhoneApp(config: settings, logger: logger)
            var configuration = settings.server.server
            configuration.observer = app.metrics.server
            server = HTTPServer(configuration: configuration, logger: logger, bodyLimit: app.bodyLimit, handler: app.handler)
            try server.start()
            app.attach(server)
        } catch {
            printError("\(error)")
            throw ExitCode(1)
        }
        let ports = server.boundPorts
        let where_ = zip(settings.server.server.listen, ports).map { address, port -> String in
            if case .tcp(let host, _) = address { return ListenAddress.tcp(host: host, port: port).description }
            return address.description
        }
        logger.info("listening on \(where_.joined(separator: " ")) with \(settings.server.server.loops) loops")
        if let pidFile {
            do { try Daemon.writePidFile(pidFile) } catch {
                printError("\(error)")
                server.shutdown()
                throw ExitCode(1)
            }
        }
        defer { if let pidFile { Daemon.removePidFile(pidFile) } }

        while true {
            var received: Int32 = 0
            sigwait(&signals, &received)
            if received == SIGHUP {
                app.reload()
                continue
            }
            logger.info("signal \(received): shutting down (finishing requests in flight)")
            server.shutdown()
            app.shutdown()
            logger.info("stopped")
            return
        }
    }
}

/// Writes one line to standard error, after the log lines before it (`LogWriter.standardError`:
/// at once, unless `serve` runs its writer thread).
func printError(_ message: String) {
    LogWriter.standardError.write("shetphone: " + message + "\n")
}
