import Logging
import Web

/// The phone application: builds every route on one router from a checked config.
public final class PhoneApp: @unchecked Sendable {
    public let config: ShetphoneConfig
    public let logger: Logger
    public let router: Router
    private var server: HTTPServer?

    /// Builds the app. With `dryRun` nothing is started (for `check-config`).
    public init(config: ShetphoneConfig, logger: Logger, dryRun: Bool = false) throws {
        self.config = config
        self.logger = logger
        router = Router(basePath: config.app.basePath, logger: logger)
        let files = StaticFiles(root: config.server.publicDir)
        router.get("/healthz") { [weak self] _ in
            guard let self else { return .error(.serviceUnavailable) }
            return .json("{\"status\":\"ok\",\"connections\":\(self.server?.connectionCount ?? 0)}")
        }
        router.fallback(files.handler)
    }

    public var handler: Handler { router.handler }

    /// Called once the server is listening.
    public func attach(_ server: HTTPServer) {
        self.server = server
    }

    /// SIGHUP: re-read what can change without dropping connections.
    public func reload() {
        logger.info("SIGHUP: reload is not supported yet; restart to apply config changes")
    }

    public func shutdown() {}
}
