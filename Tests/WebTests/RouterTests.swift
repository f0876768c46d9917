import XCTest
@testable import Web

/// A request as the server would build it: target split and its path decoded by `RequestTarget`
/// (when the server would refuse the target, the raw text is used so the layer below is still tested).
func makeRoutedRequest(_ method: String, _ target: String, headers: [(String, String)] = [],
                       body: [UInt8] = []) -> Request {
    let parts = (try? RequestTarget.split(target)) ?? (path: target, query: "")
    return Request(method: method, target: target, path: parts.path, query: parts.query,
                   headers: HTTPHeaders(headers), body: body)
}

final class RouterTests: XCTestCase {
    private func response(_ router: Router, _ method: String, _ target: String,
                          headers: [(String, String)] = [], body: [UInt8] = [],
                          file: StaticString = #filePath, line: UInt = #line) -> Response? {
        switch router.resolve(makeRoutedRequest(method, target, headers: headers, body: body)) {
        case .response(let response): return response
        case .handler: XCTFail("expected a finished response", file: file, line: line); return nil
        }
    }

    private func text(_ response: Response?) -> String {
        String(decoding: response?.body ?? [], as: UTF8.self)
    }

    func testStaticRouteAnswers() {
        let router = Router()
        router.get("/healthz") { _ in .text("ok") }
        let answer = response(router, "GET", "/healthz")
        XCTAssertEqual(answer?.status, .ok)
        XCTAssertEqual(text(answer), "ok")
    }

    func testRootRouteAnswersOnlySlash() {
        let router = Router()
        router.get("/") { _ in .text("root") }
        XCTAssertEqual(text(response(router, "GET", "/")), "root")
        XCTAssertEqual(response(router, "GET", "/x")?.status, .notFound)
    }

    func testParameterIsCapturedDecoded() {
        let router = Router()
        router.get("/status/:room") { request in .text(request.parameters["room"] ?? "-") }
        XCTAssertEqual(text(response(router, "GET", "/status/number%3A%2B44")), "number:+44")
    }

    func testParameterDoesNotMatchEmptySegment() {
        let router = Router()
        router.get("/status/:room") { _ in .text("x") }
        XCTAssertEqual(response(router, "GET", "/status/")?.status, .notFound)
    }

    func testTrailingSlashIsADifferentPath() {
        let router = Router()
        router.get("/api/me") { _ in .text("me") }
        XCTAssertEqual(response(router, "GET", "/api/me/")?.status, .notFound)
    }

    func testWildcardTakesTheRestOfThePath() {
        let router = Router()
        router.get("/files/*rest") { request in .text(request.parameters["rest"] ?? "-") }
        XCTAssertEqual(text(response(router, "GET", "/files/a/b/c.txt")), "a/b/c.txt")
        XCTAssertEqual(text(response(router, "GET", "/files/")), "")
    }

    func testStaticSegmentBeatsParameter() {
        let router = Router()
        router.get("/users/me") { _ in .text("static") }
        router.get("/users/:id") { request in .text("param " + (request.parameters["id"] ?? "")) }
        XCTAssertEqual(text(response(router, "GET", "/users/me")), "static")
        XCTAssertEqual(text(response(router, "GET", "/users/bob")), "param bob")
    }

    func testMethodOnlyOnParameterRouteBacktracksFromStaticSegment() {
        let router = Router()
        router.get("/users/me") { _ in .text("static") }
        router.delete("/users/:id") { request in .text("deleted " + (request.parameters["id"] ?? "")) }
        XCTAssertEqual(text(response(router, "DELETE", "/users/me")), "deleted me")
    }

    func testUnknownPathIs404() {
        let router = Router()
        router.get("/a") { _ in .text("a") }
        XCTAssertEqual(response(router, "GET", "/b")?.status, .notFound)
        XCTAssertEqual(response(router, "GET", "/a/b")?.status, .notFound)
    }

    func testWrongMethodIs405WithAllowListingPathMethods() {
        let router = Router()
        router.get("/api/intercom/grant") { _ in .text("get") }
        router.delete("/api/intercom/grant") { _ in .text("del") }
        router.post("/other") { _ in .text("other") }
        let answer = response(router, "PUT", "/api/intercom/grant")
        XCTAssertEqual(answer?.status, .methodNotAllowed)
        XCTAssertEqual(answer?.headers["Allow"], "DELETE, GET, HEAD")
    }

    func testPostOnlyPathDoesNotAllowHead() {
        let router = Router()
        router.post("/login") { _ in .text("posted") }
        let answer = response(router, "HEAD", "/login")
        XCTAssertEqual(answer?.status, .methodNotAllowed)
        XCTAssertEqual(answer?.headers["Allow"], "POST")
    }

    func testHeadIsAnsweredByTheGetRoute() {
        let router = Router()
        router.get("/presets") { request in .text("method " + request.method) }
        let answer = response(router, "HEAD", "/presets")
        XCTAssertEqual(answer?.status, .ok)
        XCTAssertEqual(text(answer), "method HEAD", "the GET handler runs and sees HEAD; the server drops the body")
    }

    func testExplicitHeadRouteWinsOverGet() {
        let router = Router()
        router.get("/x") { _ in .text("get") }
        router.add("HEAD", "/x") { _ in .text("head") }
        XCTAssertEqual(text(response(router, "HEAD", "/x")), "head")
    }

    func testFallbackGetsUnmatchedPathsWithAnyMethod() {
        let router = Router()
        router.get("/api/me") { _ in .text("me") }
        router.fallback { request in .text("fallback " + request.method + " " + request.path) }
        XCTAssertEqual(text(response(router, "GET", "/app.js")), "fallback GET /app.js")
        XCTAssertEqual(text(response(router, "POST", "/app.js")), "fallback POST /app.js")
        XCTAssertEqual(response(router, "POST", "/api/me")?.status, .methodNotAllowed,
                       "a path the router knows answers 405, not the fallback")
    }

    func testBasePathStripsPrefixForHandlersButKeepsTarget() {
        let router = Router(basePath: "/shetphone/")
        router.get("/status/:room") { request in .text(request.path + " " + request.target) }
        XCTAssertEqual(text(response(router, "GET", "/shetphone/status/a?x=1")), "/status/a /shetphone/status/a?x=1")
    }

    func testRequestOutsideBasePathIs404EvenWithFallback() {
        let router = Router(basePath: "/shetphone")
        router.get("/") { _ in .text("index") }
        router.fallback { _ in .text("fallback") }
        XCTAssertEqual(response(router, "GET", "/status")?.status, .notFound)
        XCTAssertEqual(response(router, "GET", "/shetphonex/")?.status, .notFound)
        XCTAssertEqual(text(response(router, "GET", "/shetphone/")), "index")
    }

    func testBasePathWithoutSlashRedirectsToSlash() {
        let router = Router(basePath: "/shetphone")
        let answer = response(router, "GET", "/shetphone?a=1")
        XCTAssertEqual(answer?.status, .movedPermanently)
        XCTAssertEqual(answer?.headers["Location"], "/shetphone/?a=1")
    }

    func testBadQueryEscapeIs400NamingTheEscape() {
        let router = Router()
        router.get("/grant") { request in .text(try request.queryValue("code") ?? "") }
        let answer = response(router, "GET", "/grant?code=%G1")
        XCTAssertEqual(answer?.status, .badRequest)
        XCTAssertTrue(text(answer).contains("%G1"), text(answer))
    }

    func testFormWithWrongContentTypeIs415() {
        let router = Router()
        router.post("/login") { request in .text(try request.formValue("username") ?? "") }
        let answer = response(router, "POST", "/login", headers: [("Content-Type", "application/json")],
                              body: Array("{}".utf8))
        XCTAssertEqual(answer?.status, .unsupportedMediaType)
        XCTAssertTrue(text(answer).contains("application/x-www-form-urlencoded"), text(answer))
    }

    func testFormRouteReadsDecodedFields() {
        let router = Router()
        router.post("/login") { request in .text(try request.formValue("username") ?? "") }
        let answer = response(router, "POST", "/login",
                              headers: [("Content-Type", "application/x-www-form-urlencoded; charset=UTF-8")],
                              body: Array("username=al+ice%21&password=x".utf8))
        XCTAssertEqual(text(answer), "al ice!")
    }

    func testUnexpectedErrorIs500WithoutDetails() {
        struct Secret: Error {}
        let router = Router()
        router.get("/boom") { _ in throw Secret() }
        let answer = response(router, "GET", "/boom")
        XCTAssertEqual(answer?.status, .internalServerError)
        XCTAssertFalse(text(answer).contains("Secret"))
    }

    func testAsyncRouteResolvesToHandlerWithParameters() {
        let router = Router()
        router.add("POST", "/status/:room") { _, _ in }
        guard case .handler(_, let routed) = router.resolve(makeRoutedRequest("POST", "/status/r1")) else {
            return XCTFail("expected the handler")
        }
        XCTAssertEqual(routed.parameters["room"], "r1")
    }

    func testSegmentsSplitKeepsEmptyTrailingSegment() {
        XCTAssertEqual(Router.segments(of: "/"), [""])
        XCTAssertEqual(Router.segments(of: "/a/b/"), ["a", "b", ""])
    }
}

final class RouterBodyLimitAndSlashTests: XCTestCase {
    private func resolveStatus(_ router: Router, _ method: String, _ target: String, body: [UInt8] = []) -> (Int, String?) {
        switch router.resolve(makeRoutedRequest(method, target, body: body)) {
        case .response(let response): return (response.status.code, response.route)
        case .handler(_, let request): return (0, request.route)
        }
    }

    func testBodyLimitIsReportedForTheRouteTheHeadWouldReach() {
        let router = Router(basePath: "/shetphone")
        router.post("/voice", maxBodyBytes: 65_536) { _ in .text("ok") }
        router.post("/login") { _ in .text("ok") }
        XCTAssertEqual(router.bodyLimit("POST", "/shetphone/voice"), 65_536)
        XCTAssertEqual(router.bodyLimit("POST", "/shetphone/voice?x=1"), 65_536)
        XCTAssertNil(router.bodyLimit("POST", "/shetphone/login"))
        XCTAssertNil(router.bodyLimit("POST", "/voice"))
        XCTAssertNil(router.bodyLimit("GET", "/shetphone/voice"))
    }

    func testRouterRefusesABodyOverTheRouteLimitEvenWithoutTheServerCheck() {
        let router = Router()
        router.post("/voice", maxBodyBytes: 4) { _ in .text("ok") }
        XCTAssertEqual(resolveStatus(router, "POST", "/voice", body: Array("12345".utf8)).0, 413)
        XCTAssertEqual(resolveStatus(router, "POST", "/voice", body: Array("1234".utf8)).0, 200)
    }

    func testTrailingSlashReachesAnOptedInRoute() {
        let router = Router()
        router.post("/voice", acceptsTrailingSlash: true) { _ in .text("ok") }
        router.post("/status") { _ in .text("ok") }
        XCTAssertEqual(resolveStatus(router, "POST", "/voice/").0, 200)
        XCTAssertEqual(resolveStatus(router, "POST", "/voice/").1, "/voice")
        XCTAssertEqual(resolveStatus(router, "POST", "/voice").0, 200)
        XCTAssertEqual(resolveStatus(router, "POST", "/status/").0, 404)
        XCTAssertEqual(resolveStatus(router, "POST", "/voice//").0, 404)
    }

    func testARouteRegisteredWithTheSlashKeepsIt() {
        let router = Router()
        router.get("/docs/") { _ in .text("slashed") }
        router.get("/docs", acceptsTrailingSlash: true) { _ in .text("bare") }
        guard case .response(let response) = router.resolve(makeRoutedRequest("GET", "/docs/")) else { return XCTFail() }
        XCTAssertEqual(String(decoding: response.body, as: UTF8.self), "slashed")
    }

    func testThrownHTTPErrorIsAnsweredAndOtherErrorsAreABare500() {
        struct Secret: Error {}
        let router = Router()
        router.get("/teapot") { _ in throw HTTPError(.forbidden, "no tea for \(HTTPError.quoted("you\n"))").adding("Retry-After", "5") }
        router.get("/boom") { _ in throw Secret() }
        guard case .response(let teapot) = router.resolve(makeRoutedRequest("GET", "/teapot")),
              case .response(let boom) = router.resolve(makeRoutedRequest("GET", "/boom")) else { return XCTFail() }
        XCTAssertEqual(teapot.status, .forbidden)
        XCTAssertEqual(String(decoding: teapot.body, as: UTF8.self), "no tea for \"you\\n\"\n")
        XCTAssertEqual(teapot.headers["Retry-After"], "5")
        XCTAssertEqual(boom.status, .internalServerError)
        XCTAssertEqual(String(decoding: boom.body, as: UTF8.self), "Internal Server Error\n")
        XCTAssertEqual(HTTPError(answering: Secret()), .internalServerError)
        XCTAssertEqual(HTTPError(answering: URLEncodingError(.invalidUTF8, in: "%FF")).status, .badRequest)
    }
}
