import Logging
import Web

/// The login, logout and "who is this?" part of the web app: `GET /login`, `POST /login`,
/// `POST /logout`, and `authenticated(_:)` to guard every other route with the session cookie.
///
/// CSRF on the login form is a double-submit token: `GET /login` sets it in a short-lived
/// `SameSite=Strict` cookie and in a hidden field, and `POST /login` wants both, equal. After login
/// each session has its own token, which the page sends back as `X-CSRF-Token` (or field `csrf`).
public final class LoginRoutes: @unchecked Sendable {
    public static let sessionCookieName = "shetphone_session"
    public static let csrfCookieName = "shetphone_csrf"
    /// A login form is a few hundred bytes; anything much bigger is not one (413).
    public static let maxFormBytes = 8 * 1024
    /// How long a login form stays usable (1 h).
    public static let csrfCookieSeconds = 3600

    public let sessions: SessionStore
    public let authenticator: Authenticator
    public let throttle: LoginThrottle
    /// Signs the cookie that marks a browser as one its user has logged in from.
    public let deviceCookies: DeviceCookieSigner
    /// "" or "/shetphone": where the app lives in the browser's URL space.
    public let basePath: String
    private let page: LoginPage
    private let logger: Logger

    /// Reads `publicDir/login.html` now, so a missing template stops the server at startup.
    public init(sessions: SessionStore, authenticator: Authenticator, throttle: LoginThrottle,
                deviceCookies: DeviceCookieSigner = .ephemeral(), publicDir: String, basePath: String, logger: Logger) throws {
        self.sessions = sessions
        self.authenticator = authenticator
        self.throttle = throttle
        self.deviceCookies = deviceCookies
        self.basePath = LoginRoutes.normalised(basePath)
        self.page = try LoginPage(publicDir: publicDir)
        self.logger = logger
    }

    init(sessions: SessionStore, authenticator: Authenticator, throttle: LoginThrottle,
         deviceCookies: DeviceCookieSigner = .ephemeral(), page: LoginPage, basePath: String, logger: Logger) {
        self.sessions = sessions
        self.authenticator = authenticator
        self.throttle = throttle
        self.deviceCookies = deviceCookies
        self.basePath = LoginRoutes.normalised(basePath)
        self.page = page
        self.logger = logger
    }

    // MARK: Handlers for the router

    /// `GET /login`.
    public var showLoginHandler: Handler {
        { [self] request, responder in responder.send(showLogin(request)) }
    }

    /// `POST /login`: the password check runs on the worker pool; the answer comes back from there.
    public var loginHandler: Handler {
        { [self] request, responder in login(request) { responder.send($0) } }
    }

    /// `POST /logout`.
    public var logoutHandler: Handler {
        { [self] request, responder in logout(request) { responder.send($0) } }
    }

    /// Wraps a handler that needs a logged-in user. Without a live session: 401
    /// `{"error":"login required"}`. With `requireCSRF` (state-changing JSON routes) the request
    /// must also carry the session's token in `X-CSRF-Token`, else 403.
    public func authenticated(requireCSRF: Bool = false,
                              _ handler: @escaping (Request, Session, Responder) -> Void) -> Handler {
        { [self] request, responder in
            guard let session = requireSession(request) else {
                responder.send(.json("{\"error\":\"login required\"}", status: .unauthorized))
                return
            }
            if requireCSRF && !session.acceptsCSRFToken(request.headers["X-CSRF-Token"]) {
                responder.send(.json("{\"error\":\"missing or wrong X-CSRF-Token header\"}", status: .forbidden))
                return
            }
            // The cookie lives as long as the session's idle lifetime: each answer here renews both.
            let renewed = request.cookies[LoginRoutes.sessionCookieName].flatMap {
                sessionCookie(id: $0, secure: request.origin.isHTTPS)
            }
            handler(request, session, Responder(loop: responder.loop) { response in
                var response = response
                if let renewed, !response.headers.values("Set-Cookie").contains(where: {
                    $0.hasPrefix(LoginRoutes.sessionCookieName + "=")
                }) {
                    response.setCookie(renewed)
                }
                responder.send(response)
            })
        }
    }

    /// The live session of the request's cookie (its expiry slides), or nil. Cheap: one SHA-256
    /// and a dictionary lookup, no disk I/O, fine on an event loop.
    public func requireSession(_ request: Request) -> Session? {
        guard let id = request.cookies[LoginRoutes.sessionCookieName],
              let session = sessions.session(forID: id) else { return nil }
        // A user taken out of the .htpasswd file loses every session (and its sockets hear `logout`).
        guard authenticator.knows(session.user) else {
            sessions.destroyAll(user: session.user, reason: .userRemoved)
            return nil
        }
        return session
    }

    // MARK: The routes as functions of the request (tests call these directly)

    func showLogin(_ request: Request) -> Response {
        let query: [(String, String)]
        do { query = try request.queryItems() } catch { return LoginRoutes.errorResponse(error) }
        let next = RedirectTarget.validated(query.first { $0.0 == "next" }?.1, basePath: basePath)
        if requireSession(request) != nil {
            return .redirect(to: next)
        }
        let error = query.contains { $0.0 == "error" && $0.1 == "1" } ? "Wrong user name or password." : nil
        return loginPage(request, next: next, error: error, status: .ok)
    }

    func login(_ request: Request, completion: @escaping @Sendable (Response) -> Void) {
        guard request.body.count <= LoginRoutes.maxFormBytes else {
            return completion(.error(.payloadTooLarge, "a login form is at most \(LoginRoutes.maxFormBytes) bytes"))
        }
        let form: [(String, String)]
        do { form = try request.formItems() } catch { return completion(LoginRoutes.errorResponse(error)) }
        func field(_ name: String) -> String? { form.first { $0.0 == name }?.1 }

        guard hasMatchingFormToken(request, field("csrf")), isSameOrigin(request) else {
            logger.notice("login form refused (CSRF) from \(request.origin.clientAddress)")
            return completion(.error(.forbidden, "This login form has expired or its cookie was blocked. "
                + "Reload the login page (\(basePath)/login) and try again."))
        }
        let next = RedirectTarget.validated(field("next"), basePath: basePath)
        let user = field("username") ?? ""
        let password = field("password") ?? ""
        let client = request.origin.clientAddress
        guard HtpasswdContents.ruleBroken(byUser: user) == nil, !password.isEmpty,
              password.utf8.count <= Authenticator.maxPasswordBytes else {
            return completion(failedLoginRedirect(next: next))
        }

        // A browser this user has logged in from is throttled on its own, never by the name.
        let device = deviceCookies.verify(request.cookies[DeviceCookie.name]).flatMap { $0.user == user ? $0.nonce : nil }
        if case .limited(let seconds) = throttle.begin(client: client, user: user, device: device) {
            return completion(throttledPage(request, next: next, seconds: seconds, user: user, client: client))
        }

        let oldID = request.cookies[LoginRoutes.sessionCookieName]
        let secure = request.origin.isHTTPS
        // The counts of the other instances are read while the password is checked.
        let attempt = LoginAttempt { [self] limit, ok in
            if case .limited(let seconds) = limit {
                return completion(throttledPage(request, next: next, seconds: seconds, user: user, client: client))
            }
            guard ok else {
                // One line per failure with user and address, in a fixed form fail2ban can match.
                logger.warning("login failed for user \(user.debugDescription) from \(client)")
                // Answered once counted, so the next try on any instance sees this failure.
                return throttle.failed(client: client, user: user, device: device) { [self] in
                    completion(failedLoginRedirect(next: next))
                }
            }
            throttle.succeeded(client: client, user: user, device: device)
            // A fresh id on every login: an id planted before login (fixation) is worth nothing.
            if let oldID { sessions.destroy(id: oldID) }
            // The answer waits for the store: a restart right after login keeps this login.
            // If the store cannot write (disk full), the login still works until the next restart.
            let box = SessionCookieBox()
            let (id, session) = sessions.create(user: user) { [self] error in
                if let error { logger.warning("login for \(user.debugDescription) not stored (lost on restart): \(error)") }
                box.send(completion)
            }
            logger.info("login ok for user \(user.debugDescription) from \(client), session \(session.key.prefix(12))")
            var response = Response.redirect(to: next)
            addCookie(&response, sessionCookie(id: id, secure: secure))
            addCookie(&response, try? SetCookie(name: DeviceCookie.name, value: deviceCookies.issue(user: user),
                                                path: csrfCookiePath, maxAge: DeviceCookie.maxAgeSeconds,
                                                httpOnly: true, secure: secure, sameSite: .strict))
            addCookie(&response, try? SetCookie.removal(name: LoginRoutes.csrfCookieName, path: csrfCookiePath,
                                                        secure: secure, sameSite: .strict))
            response.headers.set("Cache-Control", "no-store")
            box.set(response, completion)
        }
        throttle.checkShared(client: client, user: user, device: device) { attempt.throttled($0) }
        let queued = authenticator.verify(user: user, password: password) { attempt.checked(passwordOK: $0) }
        if !queued {
            logger.error("login for user \(user.debugDescription) refused: the worker queue is full")
            var response = Response.error(.serviceUnavailable, "The server is busy; try again in a moment.")
            response.headers.set("Retry-After", "1")
            completion(response)
        }
    }

    /// 429 with the login page saying how long to wait.
    func throttledPage(_ request: Request, next: String, seconds: Int, user: String, client: String) -> Response {
        logger.warning("login throttled for user \(user.debugDescription) from \(client); retry in \(seconds) s")
        // login.js matches these words to say them in the page's language.
        let wait = seconds == 1 ? "1 second" : "\(seconds) seconds"
        var response = loginPage(request, next: next, error: "Too many failed logins. Try again in \(wait).",
                                 status: .tooManyRequests)
        response.headers.set("Retry-After", String(seconds))
        return response
    }

    /// Answers only once the session's delete has committed (as webhooks do): a restart right
    /// after a logout must not bring the session back. `completion` may run on a store thread.
    func logout(_ request: Request, completion: @escaping @Sendable (Response) -> Void) {
        let secure = request.origin.isHTTPS
        var response = Response.redirect(to: basePath + "/login")
        response.headers.set("Cache-Control", "no-store")
        addCookie(&response, try? SetCookie.removal(name: LoginRoutes.sessionCookieName, path: cookiePath,
                                                    secure: secure, sameSite: .lax))
        guard let id = request.cookies[LoginRoutes.sessionCookieName],
              let session = sessions.session(forID: id) else {
            // Already logged out (or expired): the same answer, nothing to end.
            return completion(response)
        }
        var token = request.headers["X-CSRF-Token"]
        if token == nil, request.body.count <= LoginRoutes.maxFormBytes,
           let form = try? request.formItems() {
            token = form.first { $0.0 == "csrf" }?.1
        }
        guard session.acceptsCSRFToken(token) else {
            return completion(.error(.forbidden, "logout needs this session's CSRF token in X-CSRF-Token or form field csrf"))
        }
        logger.info("logout for user \(session.user.debugDescription), session \(session.key.prefix(12))")
        let answer = response
        sessions.destroy(id: id) { [logger] error in
            // If the store cannot write (disk full) the session still ends here and now, as a
            // login still works then; only a restart before the store recovers would bring it back.
            if let error { logger.warning("logout of session \(session.key.prefix(12)) not stored (back after a restart): \(error)") }
            completion(answer)
        }
    }

    // MARK: Internals

    /// `Path` of the session cookie: the base path, or "/".
    var cookiePath: String { basePath.isEmpty ? "/" : basePath }
    /// `Path` of the login form's CSRF cookie: only the login route sees it.
    var csrfCookiePath: String { basePath + "/login" }

    private func sessionCookie(id: String, secure: Bool) -> SetCookie? {
        try? SetCookie(name: LoginRoutes.sessionCookieName, value: id, path: cookiePath,
                       maxAge: sessions.settings.idleTimeoutSeconds, httpOnly: true, secure: secure, sameSite: .lax)
    }

    private func addCookie(_ response: inout Response, _ cookie: SetCookie?) {
        // Our cookies are tokens and fixed paths, which SetCookie always accepts; nil cannot happen.
        if let cookie { response.setCookie(cookie) }
    }

    private func loginPage(_ request: Request, next: String, error: String?, status: HTTPStatus) -> Response {
        // Reuse the form token already in the browser: a second login tab must not void the first.
        let existing = request.cookies[LoginRoutes.csrfCookieName]
        let token = existing.flatMap { SecureRandom.isToken($0) ? $0 : nil } ?? SecureRandom.token()
        var response = Response.html(page.render(csrf: token, next: next, error: error), status: status)
        response.headers.set("Cache-Control", "no-store")
        response.headers.set("X-Frame-Options", "DENY")
        response.headers.set("Referrer-Policy", "same-origin")
        response.headers.set("Content-Security-Policy",
                             "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
        addCookie(&response, try? SetCookie(name: LoginRoutes.csrfCookieName, value: token, path: csrfCookiePath,
                                            maxAge: LoginRoutes.csrfCookieSeconds, httpOnly: true,
                                            secure: request.origin.isHTTPS, sameSite: .strict))
        return response
    }

    private func failedLoginRedirect(next: String) -> Response {
        var response = Response.redirect(to: basePath + "/login?error=1&next=" + URLEncoding.encodeComponent(next))
        response.headers.set("Cache-Control", "no-store")
        return response
    }

    private func hasMatchingFormToken(_ request: Request, _ formToken: String?) -> Bool {
        guard let formToken, let cookieToken = request.cookies[LoginRoutes.csrfCookieName],
              SecureRandom.isToken(formToken), SecureRandom.isToken(cookieToken) else { return false }
        return HMAC.constantTimeEquals(Array(formToken.utf8), Array(cookieToken.utf8))
    }

    /// A browser's `Origin` on a form POST must name this site. No `Origin` (old browsers,
    /// curl) or an unknown `Host` leaves the decision to the CSRF token alone.
    private func isSameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers["Origin"], origin != "null", let host = request.origin.host,
              let schemeEnd = origin.firstRange(of: "://") else { return true }
        let originHost = String(origin[schemeEnd.upperBound...])
        return asciiCaseInsensitiveEquals(originHost, host)
    }

    /// The decoders' errors say what was wrong with the input; anything else is ours and is
    /// answered as a bare 500 without its text.
    private static func errorResponse(_ error: Error) -> Response {
        HTTPError(answering: error).response
    }

    private static func normalised(_ basePath: String) -> String {
        var base = basePath
        while base.hasSuffix("/") { base.removeLast() }
        if !base.isEmpty && !base.hasPrefix("/") { base = "/" + base }
        return base
    }
}

/// Joins the login response (made on the worker) with the store's commit of the session (on
/// the store's thread): whichever comes second sends it.
final class SessionCookieBox: @unchecked Sendable {
    private let lock = Mutex()
    private var response: Response?
    private var committed = false

    func set(_ response: Response, _ completion: @Sendable (Response) -> Void) {
        let ready: Bool = lock.withLock {
            self.response = response
            return committed
        }
        if ready { completion(response) }
    }

    func send(_ completion: @Sendable (Response) -> Void) {
        let ready: Response? = lock.withLock {
            committed = true
            return response
        }
        if let ready { completion(ready) }
    }
}
