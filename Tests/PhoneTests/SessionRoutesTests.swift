import Foundation
import Glibc
import XCTest
@testable import Phone
@testable import Web

/// The login, logout and session-guard routes of `LoginRoutes`, driven with real requests,
/// a real worker pool and a real event loop for the `Responder`.
final class SessionRoutesTests: XCTestCase {
    private static let template = """
        <form method="post" action="login"><input type="hidden" name="csrf" value="{{csrf}}">\
        <input type="hidden" name="next" value="{{next}}"><p class="error" {{error_hidden}}>{{error}}</p></form>
        """
    private var directory = ""
    private var htpasswdPath = ""
    private var workers: WorkerPool!
    private var loop: EventLoop!
    private var htpasswd: HtpasswdFile!
    private var sessions: SessionStore!
    private var throttle: LoginThrottle!
    private var ended: EndedSessions!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "login-routes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        htpasswdPath = directory + "/.htpasswd"
        try HtpasswdFile.setPassword(path: htpasswdPath, user: "alice", hash: try BcryptHasher.hash("wonderland", cost: 4))
        workers = WorkerPool(threads: 2)
        loop = try EventLoop(index: 90)
        loop.start()
        htpasswd = HtpasswdFile(path: htpasswdPath, logger: CapturedLog().logger(), recheckIntervalMillis: 0)
        sessions = SessionStore()
        ended = EndedSessions()
        sessions.onEnd = { [ended] in ended?.append($0, $1) }
        throttle = LoginThrottle()
    }

    override func tearDownWithError() throws {
        loop.stop()
        loop.join()
        workers.shutdown()
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func routes(basePath: String = "") -> LoginRoutes {
        LoginRoutes(sessions: sessions, authenticator: Authenticator(htpasswd: htpasswd, workers: workers),
                    throttle: throttle, page: LoginPage(template: SessionRoutesTests.template),
                    basePath: basePath, logger: CapturedLog().logger())
    }

    private func request(_ method: String, _ path: String, query: String = "", cookies: [String: String] = [:],
                         headers: [(String, String)] = [], form: [(String, String)]? = nil,
                         https: Bool = false, client: String = "192.0.2.1") -> Request {
        var fields = HTTPHeaders(headers)
        if !cookies.isEmpty {
            fields.add("Cookie", cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; "))
        }
        var body: [UInt8] = []
        if let form {
            fields.add("Content-Type", "application/x-www-form-urlencoded")
            body = Array(URLEncoding.encodeForm(form).utf8)
        }
        return Request(method: method, target: path + (query.isEmpty ? "" : "?" + query), path: path, query: query,
                       headers: fields, body: body,
                       origin: RequestOrigin(peerAddress: client, scheme: https ? "https" : "http", host: "phone.example"))
    }

    /// Runs a `Handler` through a real `Responder` and waits for its one response.
    private func respond(_ handler: Handler, _ request: Request) -> Response {
        let done = expectation(description: "response")
        let box = ResponseBox()
        handler(request, Responder(loop: loop) { response in
            XCTAssertTrue(self.loop.inLoop, "the response must be delivered on the connection's loop")
            box.response = response
            done.fulfill()
        })
        wait(for: [done], timeout: 10)
        return box.response ?? Response(status: HTTPStatus(599))
    }

    private func setCookies(_ response: Response) -> [String: String] {
        var out: [String: String] = [:]
        for value in response.headers.values("Set-Cookie") {
            let name = String(value.prefix { $0 != "=" })
            out[name] = value
        }
        return out
    }

    private func cookieValue(_ header: String?) -> String {
        guard let header else { return "" }
        return String(header.split(separator: ";")[0].split(separator: "=", maxSplits: 1).last ?? "")
    }

    /// GET /login, then the form token and cookie it handed out.
    private func formToken(_ login: LoginRoutes, https: Bool = false) -> String {
        let page = respond(login.showLoginHandler, request("GET", "/login", https: https))
        return cookieValue(setCookies(page)["shetphone_csrf"])
    }

    private func logIn(_ login: LoginRoutes, user: String = "alice", password: String = "wonderland",
                       next: String = "/", https: Bool = false, client: String = "192.0.2.1") -> Response {
        let token = formToken(login, https: https)
        return respond(login.loginHandler, request(
            "POST", "/login", cookies: ["shetphone_csrf": token],
            form: [("csrf", token), ("next", next), ("username", user), ("password", password)],
            https: https, client: client))
    }

    // MARK: GET /login

    func testLoginPageCarriesTheSameTokenInFieldAndStrictCookie() {
        let response = respond(routes().showLoginHandler, request("GET", "/login"))
        XCTAssertEqual(response.status, .ok)
        let cookie = setCookies(response)["shetphone_csrf"] ?? ""
        let token = cookieValue(cookie)
        XCTAssertTrue(SecureRandom.isToken(token), cookie)
        XCTAssertEqual(cookie, "shetphone_csrf=\(token); Path=/login; Max-Age=3600; HttpOnly; SameSite=Strict")
        let html = String(decoding: response.body, as: UTF8.self)
        XCTAssertTrue(html.contains("name=\"csrf\" value=\"\(token)\""), html)
        XCTAssertTrue(html.contains("name=\"next\" value=\"/\""), html)
        XCTAssertTrue(html.contains("<p class=\"error\" hidden></p>"), html)
        XCTAssertEqual(response.headers["Cache-Control"], "no-store")
        XCTAssertEqual(response.headers["X-Frame-Options"], "DENY")
        XCTAssertTrue(response.headers["Content-Security-Policy"]?.contains("frame-ancestors 'none'") ?? false)
    }

    func testLoginPageOverHTTPSMarksItsCookieSecure() {
        let response = respond(routes().showLoginHandler, request("GET", "/login", https: true))
        XCTAssertTrue(setCookies(response)["shetphone_csrf"]?.contains("; Secure") ?? false)
    }

    func testLoginPageEscapesNextAndShowsTheError() {
        let response = respond(routes().showLoginHandler,
                               request("GET", "/login", query: "error=1&next=" + URLEncoding.encodeComponent("/a\"><script>")))
        let html = String(decoding: response.body, as: UTF8.self)
        XCTAssertTrue(html.contains("value=\"/a&quot;&gt;&lt;script&gt;\""), html)
        XCTAssertFalse(html.contains("<script>"))
        XCTAssertTrue(html.contains("<p class=\"error\" >Wrong user name or password.</p>"), html)
    }

    func testSecondLoginTabKeepsTheFirstTabsToken() {
        let login = routes()
        let token = formToken(login)
        let again = respond(login.showLoginHandler, request("GET", "/login", cookies: ["shetphone_csrf": token]))
        XCTAssertEqual(cookieValue(setCookies(again)["shetphone_csrf"]), token)
        XCTAssertTrue(String(decoding: again.body, as: UTF8.self).contains(token))
    }

    func testLoginPageWithALiveSessionRedirectsToNext() {
        let login = routes()
        let id = sessions.create(user: "alice").id
        let response = respond(login.showLoginHandler,
                               request("GET", "/login", query: "next=%2Fdial", cookies: ["shetphone_session": id]))
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertEqual(response.headers["Location"], "/dial")
    }

    // MARK: POST /login

    func testRightPasswordRedirectsToNextWithAnHttpOnlyLaxSessionCookie() {
        let login = routes()
        let response = logIn(login, next: "/dial?x=1")
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertEqual(response.headers["Location"], "/dial?x=1")
        let cookies = setCookies(response)
        let session = cookies["shetphone_session"] ?? ""
        let id = cookieValue(session)
        // Max-Age is the idle lifetime (12 h): a cookie never outlives the session it names.
        XCTAssertEqual(session, "shetphone_session=\(id); Path=/; Max-Age=43200; HttpOnly; SameSite=Lax")
        XCTAssertTrue(cookies["shetphone_csrf"]?.contains("Max-Age=0") ?? false, "the form token is spent")
        XCTAssertEqual(login.requireSession(request("GET", "/api/me", cookies: ["shetphone_session": id]))?.user, "alice")
    }

    func testLoginOverHTTPSSetsASecureSessionCookie() {
        let response = logIn(routes(), https: true)
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertTrue(setCookies(response)["shetphone_session"]?.contains("; Secure; HttpOnly; SameSite=Lax") ?? false)
    }

    func testLoginReplacesAnyEarlierSessionOfTheBrowser() {
        let login = routes()
        let planted = sessions.create(user: "alice").id
        let token = formToken(login)
        let response = respond(login.loginHandler, request(
            "POST", "/login", cookies: ["shetphone_csrf": token, "shetphone_session": planted],
            form: [("csrf", token), ("username", "alice"), ("password", "wonderland")]))
        XCTAssertNotEqual(cookieValue(setCookies(response)["shetphone_session"]), planted)
        XCTAssertNil(sessions.session(forID: planted))
    }

    func testWrongPasswordRedirectsBackToLoginWithErrorAndNext() {
        let response = logIn(routes(), password: "wrong", next: "/dial?x=1")
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertEqual(response.headers["Location"], "/login?error=1&next=%2Fdial%3Fx%3D1")
        XCTAssertNil(setCookies(response)["shetphone_session"])
        XCTAssertEqual(sessions.count, 0)
    }

    func testUnknownUserGetsTheSameAnswerAsAWrongPassword() {
        let response = logIn(routes(), user: "mallory", password: "wonderland")
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertEqual(response.headers["Location"], "/login?error=1&next=%2F")
    }

    func testLoginWithoutTheFormCookieIs403() {
        let login = routes()
        let token = formToken(login)
        let response = respond(login.loginHandler, request(
            "POST", "/login", form: [("csrf", token), ("username", "alice"), ("password", "wonderland")]))
        XCTAssertEqual(response.status, .forbidden)
        XCTAssertTrue(String(decoding: response.body, as: UTF8.self).contains("Reload the login page"))
        XCTAssertEqual(sessions.count, 0)
    }

    func testLoginWithAMismatchedTokenIs403() {
        let login = routes()
        let token = formToken(login)
        let response = respond(login.loginHandler, request(
            "POST", "/login", cookies: ["shetphone_csrf": token],
            form: [("csrf", SecureRandom.token()), ("username", "alice"), ("password", "wonderland")]))
        XCTAssertEqual(response.status, .forbidden)
    }

    func testLoginFromAnotherOriginIs403EvenWithTokens() {
        let login = routes()
        let token = formToken(login)
        let response = respond(login.loginHandler, request(
            "POST", "/login", cookies: ["shetphone_csrf": token], headers: [("Origin", "https://evil.example")],
            form: [("csrf", token), ("username", "alice"), ("password", "wonderland")]))
        XCTAssertEqual(response.status, .forbidden)
        let same = respond(login.loginHandler, request(
            "POST", "/login", cookies: ["shetphone_csrf": token], headers: [("Origin", "https://phone.example")],
            form: [("csrf", token), ("username", "alice"), ("password", "wonderland")]))
        XCTAssertEqual(same.status, .seeOther)
    }

    func testRepeatedFailuresAre429WithRetryAfter() {
        let login = routes()
        for _ in 0..<6 { XCTAssertEqual(logIn(login, password: "guess").status, .seeOther) }
        let response = logIn(login, password: "wonderland")
        XCTAssertEqual(response.status, .tooManyRequests)
        XCTAssertEqual(response.headers["Retry-After"], "1")
        XCTAssertTrue(String(decoding: response.body, as: UTF8.self).contains("Try again in 1 second."))
        XCTAssertEqual(sessions.count, 0, "a throttled attempt is not even checked")
    }

    func testOversizedOrWrongTypeLoginBodiesAreRefused() {
        let login = routes()
        var big = request("POST", "/login", form: [("username", String(repeating: "a", count: 9000))])
        XCTAssertEqual(respond(login.loginHandler, big).status, .payloadTooLarge)
        big.headers.set("Content-Type", "application/json")
        big.body = Array("{}".utf8)
        XCTAssertEqual(respond(login.loginHandler, big).status, .unsupportedMediaType)
    }

    func testPasswordCheckRunsOnAWorkerThreadNotTheCaller() {
        let authenticator = Authenticator(htpasswd: htpasswd, workers: workers)
        let caller = pthread_self()
        let done = expectation(description: "verified")
        XCTAssertTrue(authenticator.verify(user: "alice", password: "wonderland") { ok in
            XCTAssertTrue(ok)
            XCTAssertEqual(pthread_equal(pthread_self(), caller), 0, "bcrypt ran on the caller's thread")
            done.fulfill()
        })
        wait(for: [done], timeout: 10)
    }

    func testFiftyConcurrentBcryptLoginsLeaveTheEventLoopResponsive() throws {
        // Fifty bcrypt checks are seconds of CPU. Run on the loop, they would hold every task
        // behind them for that long; on the pool, the loop still answers within milliseconds.
        let hash = try BcryptHasher.hash("pw", cost: 8)
        try "alice:\(hash)\n".write(toFile: htpasswdPath, atomically: true, encoding: .utf8)
        htpasswd.reloadIfChanged()
        let authenticator = Authenticator(htpasswd: htpasswd, workers: workers)
        let checked = SharedCounter()
        let started = monotonicMillis()
        for _ in 0..<50 {
            XCTAssertTrue(authenticator.verify(user: "alice", password: "pw") { ok in
                XCTAssertTrue(ok)
                checked.increment()
            })
        }
        let latencies = LatencySamples()
        while checked.value < 50 || latencies.count < 20 {
            let sent = monotonicMillis()
            let ran = expectation(description: "loop task")
            loop.execute {
                latencies.add(monotonicMillis() - sent)
                ran.fulfill()
            }
            wait(for: [ran], timeout: 5)
            usleep(5_000)
            guard monotonicMillis() - started < 60_000 else {
                XCTFail("the 50 checks did not finish within a minute")
                break
            }
        }
        let sorted = latencies.all.sorted()
        let p95 = sorted[sorted.count * 95 / 100]
        XCTAssertLessThan(p95, 50, "loop tasks waited \(sorted.suffix(10)) ms while bcrypt ran "
            + "(\(monotonicMillis() - started) ms for the 50 checks)")
    }

    // MARK: next and base path

    func testNextIsLimitedToPathsUnderTheBasePath() {
        let cases: [(String?, String)] = [
            (nil, "/phone/"), ("", "/phone/"), ("/phone/", "/phone/"), ("/phone/dial?x=1", "/phone/dial?x=1"),
            ("/phone", "/phone"), ("https://evil.example/", "/phone/"), ("//evil.example", "/phone/"),
            ("/\\evil.example", "/phone/"), ("/\t/evil.example", "/phone/"), ("/other", "/phone/"),
            ("/phonebook", "/phone/"), ("/phone/../admin", "/phone/"), ("/phone/%2e%2e/admin", "/phone/"),
            ("javascript:alert(1)", "/phone/"), ("phone/", "/phone/"),
        ]
        for (next, expected) in cases {
            XCTAssertEqual(RedirectTarget.validated(next, basePath: "/phone"), expected, "next \(next.debugDescription)")
        }
        XCTAssertEqual(RedirectTarget.validated("/anything", basePath: ""), "/anything")
        XCTAssertEqual(RedirectTarget.validated("//evil", basePath: ""), "/")
    }

    func testUnderABasePathCookiesAndRedirectsUseIt() {
        let login = routes(basePath: "/phone/")
        let page = respond(login.showLoginHandler, request("GET", "/login"))
        XCTAssertTrue(setCookies(page)["shetphone_csrf"]?.contains("Path=/phone/login;") ?? false)
        let ok = logIn(login, next: "https://evil.example/")
        XCTAssertEqual(ok.headers["Location"], "/phone/")
        XCTAssertTrue(setCookies(ok)["shetphone_session"]?.contains("Path=/phone;") ?? false)
        let failed = logIn(login, password: "nope", next: "/phone/x")
        XCTAssertEqual(failed.headers["Location"], "/phone/login?error=1&next=%2Fphone%2Fx")
        let logout = respond(login.logoutHandler, request("POST", "/logout"))
        XCTAssertEqual(logout.headers["Location"], "/phone/login")
    }

    // MARK: POST /logout

    func testLogoutWithHeaderTokenEndsTheSessionAndReportsIt() {
        let login = routes()
        let (id, session) = sessions.create(user: "alice")
        let response = respond(login.logoutHandler, request(
            "POST", "/logout", cookies: ["shetphone_session": id], headers: [("X-CSRF-Token", session.csrfToken)]))
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertEqual(response.headers["Location"], "/login")
        XCTAssertTrue(setCookies(response)["shetphone_session"]?.contains("Max-Age=0") ?? false)
        XCTAssertNil(sessions.session(forID: id))
        XCTAssertEqual(ended.all.map(\.0.key), [session.key])
        XCTAssertEqual(ended.all.map(\.1), [.logout])
    }

    func testLogoutWithFormTokenWorks() {
        let login = routes()
        let (id, session) = sessions.create(user: "alice")
        let response = respond(login.logoutHandler, request(
            "POST", "/logout", cookies: ["shetphone_session": id], form: [("csrf", session.csrfToken)]))
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertNil(sessions.session(forID: id))
    }

    func testLogoutWithoutTheSessionTokenIs403AndKeepsTheSession() {
        let login = routes()
        let (id, _) = sessions.create(user: "alice")
        let response = respond(login.logoutHandler, request("POST", "/logout", cookies: ["shetphone_session": id],
                                                            headers: [("X-CSRF-Token", SecureRandom.token())]))
        XCTAssertEqual(response.status, .forbidden)
        XCTAssertNotNil(sessions.session(forID: id))
    }

    func testLogoutWithoutASessionStillRedirectsToLogin() {
        let response = respond(routes().logoutHandler, request("POST", "/logout"))
        XCTAssertEqual(response.status, .seeOther)
        XCTAssertEqual(response.headers["Location"], "/login")
    }

    // MARK: authenticated(_:)

    func testGuardedRouteWithoutSessionIs401JSON() {
        let handler = routes().authenticated { _, _, responder in responder.send(.text("secret")) }
        let response = respond(handler, request("GET", "/api/me"))
        XCTAssertEqual(response.status, .unauthorized)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "{\"error\":\"login required\"}")
        XCTAssertEqual(response.headers["Content-Type"], "application/json")
    }

    func testGuardedRouteGetsTheSession() {
        let login = routes()
        let id = cookieValue(setCookies(logIn(login))["shetphone_session"])
        let handler = login.authenticated { _, session, responder in responder.send(.text(session.user)) }
        let response = respond(handler, request("GET", "/api/me", cookies: ["shetphone_session": id]))
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "alice")
    }

    func testGuardedRouteWithCSRFNeedsTheHeader() {
        let login = routes()
        let (id, session) = sessions.create(user: "alice")
        let handler = login.authenticated(requireCSRF: true) { _, _, responder in responder.send(.text("done")) }
        XCTAssertEqual(respond(handler, request("POST", "/api/x", cookies: ["shetphone_session": id])).status, .forbidden)
        let ok = respond(handler, request("POST", "/api/x", cookies: ["shetphone_session": id],
                                          headers: [("X-CSRF-Token", session.csrfToken)]))
        XCTAssertEqual(ok.status, .ok)
    }

    func testUserRemovedFromTheFileLosesTheirSession() throws {
        let login = routes()
        let (id, _) = sessions.create(user: "alice")
        let asAlice = request("GET", "/api/me", cookies: ["shetphone_session": id])
        XCTAssertNotNil(login.requireSession(asAlice))
        try HtpasswdFile.setPassword(path: htpasswdPath, user: "bob", hash: try BcryptHasher.hash("x", cost: 4))
        try "bob:\(try BcryptHasher.hash("x", cost: 4))\n".write(toFile: htpasswdPath, atomically: true, encoding: .utf8)
        htpasswd.reloadIfChanged()
        XCTAssertNil(login.requireSession(asAlice))
    }
}

final class LatencySamples: @unchecked Sendable {
    private let lock = NSLock()
    private var samples: [UInt64] = []
    var all: [UInt64] { lock.withLock { samples } }
    var count: Int { lock.withLock { samples.count } }
    func add(_ sample: UInt64) { lock.withLock { samples.append(sample) } }
}

final class ResponseBox: @unchecked Sendable {
    var response: Response?
}
