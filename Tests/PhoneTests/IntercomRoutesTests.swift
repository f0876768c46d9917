import Foundation
import XCTest
@testable import Phone
import Store
@testable import Web

/// The intercom's HTTP routes, called with real `Request` values: the signed webhook, the
/// grant link with its throttle, and the dialer's JSON routes.
final class IntercomRoutesTests: XCTestCase {
    static let authToken = "test-auth-token"
    static let origin = "https://phone.example.com"
    static let grantCode = "open-sesame-0123456789"

    private func routes(_ fixture: IntercomFixture) throws -> IntercomRoutes {
        let gate = TwilioWebhook(authToken: IntercomRoutesTests.authToken, validates: true,
                                 publicURL: IntercomRoutesTests.origin + "/base")
        return IntercomRoutes(intercom: try fixture.intercom(), webhook: gate, logger: fixture.log.logger(),
                              clock: fixture.clock.function)
    }

    private func fixture(_ extra: String = "") throws -> IntercomFixture {
        try IntercomFixture("grant_code = \(IntercomRoutesTests.grantCode)\ngrant_minutes = 60\nmax_grant_minutes = 120\n" + extra)
    }

    /// A Twilio webhook POST to `target`, signed over the public URL (query included) unless `signature` is given.
    private func webhookRequest(_ target: String, form: [(String, String)], signature: String? = nil) -> Request {
        let url = IntercomRoutesTests.origin + target
        let signed = RequestSignature(authToken: IntercomRoutesTests.authToken).expected(url: url, parameters: form)
        var headers = HTTPHeaders()
        headers.add("Content-Type", "application/x-www-form-urlencoded")
        headers.add("X-Twilio-Signature", signature ?? signed)
        let path = String(target.prefix(while: { $0 != "?" }))
        let query = target.firstIndex(of: "?").map { String(target[target.index(after: $0)...]) } ?? ""
        return Request(method: "POST", target: target, path: path, query: query, headers: headers,
                       body: Array(URLEncoding.encodeForm(form).utf8))
    }

    private func grantRequest(_ query: String, client: String = "198.51.100.7") -> Request {
        Request(method: "GET", target: "/grant?" + query, path: "/grant", query: query,
                origin: RequestOrigin(peerAddress: client))
    }

    private func apiRequest(_ method: String, body: String = "") -> Request {
        Request(method: method, target: "/api/intercom/grant", path: "/api/intercom/grant", query: "", body: Array(body.utf8))
    }

    private func json(_ response: Response) throws -> JSON {
        try JSONParser.parse(response.body)
    }

    private func text(_ response: Response) -> String { String(decoding: response.body, as: UTF8.self) }

    // MARK: The webhook

    func testSignedWebhookWithTheNumbersInItsQueryIsAnswered() throws {
        let routes = try routes(try fixture())
        let target = "/base/intercom?PhoneNumberToDial=%2B447700900123&ExpectedFrom=%2B442079460999"
        let response = routes.webhook(webhookRequest(target, form: [("From", "+442079460999"), ("CallSid", "CA1")]))
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.headers["Content-Type"], "text/xml; charset=utf-8")
        let dial = try XCTUnwrap(TwiMLTree.parse(text(response))?.child("Dial"))
        XCTAssertEqual(dial.child("Number")?.text, "+447700900123")
    }

    func testChangingTheQueryAfterTwilioSignedItIs403() throws {
        let routes = try routes(try fixture())
        let signedTarget = "/base/intercom?PhoneNumberToDial=%2B447700900123&ExpectedFrom=%2B442079460999"
        let form = [("From", "+15005550006")]
        let signature = RequestSignature(authToken: IntercomRoutesTests.authToken)
            .expected(url: IntercomRoutesTests.origin + signedTarget, parameters: form)
        let forged = "/base/intercom?PhoneNumberToDial=%2B447700900123&ExpectedFrom=%2B15005550006"
        let response = routes.webhook(webhookRequest(forged, form: form, signature: signature))
        XCTAssertEqual(response.status, .forbidden)
        XCTAssertFalse(text(response).contains("Dial"))
    }

    func testUnsignedWebhookIs403() throws {
        let routes = try routes(try fixture("expected_from = +442079460999\ndial = +447700900123"))
        let response = routes.webhook(webhookRequest("/base/intercom", form: [("From", "+442079460999")], signature: "bm9wZQ=="))
        XCTAssertEqual(response.status, .forbidden)
    }

    func testTheCodeStepWithDigitsIsSignedToo() throws {
        let fixture = try fixture("expected_from = +442079460999\ndial = +447700900123\ndoor_codes = 4711")
        let routes = try routes(fixture)
        let first = routes.webhook(webhookRequest("/base/intercom", form: [("From", "+442079460999")]))
        let gather = try XCTUnwrap(TwiMLTree.parse(text(first))?.child("Gather"))
        let action = try XCTUnwrap(gather.attributes["action"])
        XCTAssertEqual(action, "/base/intercom?step=code")
        let second = routes.webhook(webhookRequest(action, form: [("From", "+442079460999"), ("Digits", "4711")]))
        XCTAssertEqual(TwiMLTree.parse(text(second))?.child("Play")?.attributes["digits"], "ww9")
        XCTAssertEqual(fixture.published("intercom.opened").first?["how"], "code")
    }

    func testEachDecisiveStepIsRecordedInTheCallHistoryAndTheAnswerWaitsForIt() throws {
        let fixture = try fixture("expected_from = +442079460999\ndoor_codes = 4711")
        let gate = TwilioWebhook(authToken: IntercomRoutesTests.authToken, validates: true, publicURL: IntercomRoutesTests.origin + "/base")
        let recorded = UpdateLog()
        let routes = IntercomRoutes(intercom: try fixture.intercom(), webhook: gate, logger: fixture.log.logger(),
                                    clock: fixture.clock.function, recordCall: { update, responder, answer in
                                        recorded.append(update)
                                        responder.send(answer)
                                    })
        let form = [("From", "+442079460999"), ("To", "+442079460174"), ("CallSid", "CA0001")]
        _ = routes.webhook(webhookRequest("/base/intercom", form: form))
        XCTAssertTrue(recorded.updates.isEmpty, "asking for a code records nothing yet")
        _ = routes.webhook(webhookRequest("/base/intercom?step=code", form: form + [("Digits", "4711")]))
        _ = routes.webhook(webhookRequest("/base/intercom?step=code", form: [("From", "+442079460999"), ("To", "+442079460174"), ("CallSid", "CA0002")]))
        _ = routes.webhook(webhookRequest("/base/intercom", form: [("From", "+15005550006"), ("To", "+442079460174"), ("CallSid", "CA0003")]))
        let updates = recorded.updates.compactMap { $0 }
        XCTAssertEqual(updates.map(\.callSid), ["CA0001", "CA0002", "CA0003"])
        XCTAssertEqual(updates.map(\.door), ["code", nil, "refused"])
        XCTAssertEqual(updates.map(\.dialStatus), [nil, "failed", nil], "nobody to call: the call could not be connected")
        XCTAssertTrue(updates.allSatisfy { $0.direction == .intercom && $0.ourNumber == "+442079460174" && $0.otherParty != nil })
    }

    func testAForwardsLegsReportToTheStatusURLTheAppGivesForTheCalledNumber() throws {
        let fixture = try fixture("expected_from = +442079460999\ndial = +447700900123\nring_clients = alice")
        let gate = TwilioWebhook(authToken: IntercomRoutesTests.authToken, validates: true, publicURL: IntercomRoutesTests.origin + "/base")
        let routes = IntercomRoutes(intercom: try fixture.intercom(), webhook: gate, logger: fixture.log.logger(),
                                    clock: fixture.clock.function,
                                    legStatusURL: { request, number in "https://\(request.path.count).example/status?number=\(number.e164)" })
        let forwarded = routes.webhook(webhookRequest("/base/intercom", form: [("From", "+442079460999"), ("To", "+442079460174")]))
        let dial = try XCTUnwrap(TwiMLTree.parse(text(forwarded))?.child("Dial"))
        let callbacks = dial.children.map { $0.attributes["statusCallback"] }
        XCTAssertEqual(callbacks, Array(repeating: "https://14.example/status?number=+442079460174", count: 2), "\(dial.children)")
        XCTAssertEqual(dial.child("Client")?.attributes["statusCallbackEvent"], "initiated ringing answered completed")
        // A `To` that is no number names no number to report for: the legs report nothing.
        let odd = routes.webhook(webhookRequest("/base/intercom", form: [("From", "+442079460999"), ("To", "sip:door@example.com")]))
        let oddDial = try XCTUnwrap(TwiMLTree.parse(text(odd))?.child("Dial"))
        XCTAssertTrue(oddDial.children.allSatisfy { $0.attributes["statusCallback"] == nil })
    }

    // MARK: The grant link

    func testWithoutAGrantCodeTheLinkIs404() throws {
        let routes = try routes(try IntercomFixture())
        XCTAssertEqual(routes.grantPage(grantRequest("code=anything-at-all")).status, .notFound)
    }

    func testTheRightCodeOpensTheDoorAndSaysUntilWhen() throws {
        let fixture = try fixture()
        let routes = try routes(fixture)
        let response = routes.grantPage(grantRequest("code=" + IntercomRoutesTests.grantCode))
        XCTAssertEqual(response.status, .ok)
        XCTAssertEqual(response.headers["Cache-Control"], "no-store")
        XCTAssertEqual(response.headers["Referrer-Policy"], "no-referrer")
        let page = text(response)
        XCTAssertTrue(page.contains("2027-01-15 09:00 UTC"), page)
        XCTAssertTrue(page.contains("60 minutes left"), page)
        XCTAssertFalse(page.contains(IntercomRoutesTests.grantCode))
        XCTAssertEqual(fixture.published("intercom.grant"), [["action": "started", "until": .int(IntercomFixture.start + 3600), "by": "link"]])
    }

    func testMinutesInTheLinkAreHonouredUpToTheMaximum() throws {
        let fixture = try fixture()
        let routes = try routes(fixture)
        let page = text(routes.grantPage(grantRequest("code=\(IntercomRoutesTests.grantCode)&minutes=15")))
        XCTAssertTrue(page.contains("15 minutes left"), page)
        XCTAssertEqual(routes.intercom.activeGrant()?.until, IntercomFixture.start + 15 * 60)
        // 500 is more than max_grant_minutes (120): the grant runs for 120.
        let capped = text(routes.grantPage(grantRequest("code=\(IntercomRoutesTests.grantCode)&minutes=500")))
        XCTAssertTrue(capped.contains("120 minutes left"), capped)
        for bad in ["0", "-5", "ten", "1.5"] {
            let response = routes.grantPage(grantRequest("code=\(IntercomRoutesTests.grantCode)&minutes=\(bad)"))
            XCTAssertEqual(response.status, .badRequest, bad)
            XCTAssertEqual(text(response), "minutes must be a whole number from 1 to 120\n")
        }
        XCTAssertEqual(routes.intercom.activeGrant()?.until, IntercomFixture.start + 120 * 60)
    }

    func testTheGrantPageShowsTimesInTheConfiguredZone() throws {
        let fixture = try fixture()
        let gate = TwilioWebhook(authToken: IntercomRoutesTests.authToken, validates: true, publicURL: IntercomRoutesTests.origin)
        let routes = IntercomRoutes(intercom: try fixture.intercom(), webhook: gate, logger: fixture.log.logger(),
                                    clock: fixture.clock.function, timeZone: try ZoneInfo(named: "America/New_York"))
        let page = text(routes.grantPage(grantRequest("code=" + IntercomRoutesTests.grantCode)))
        // The grant ends 2027-01-15 09:00 UTC: 04:00 in New York (EST, UTC-5).
        XCTAssertTrue(page.contains("2027-01-15 04:00 EST"), page)
        XCTAssertTrue(page.contains("datetime=\"2027-01-15T04:00:00-05:00\""), page)
    }

    func testReloadingTheLinkNeverShortensALongerGrant() throws {
        let fixture = try fixture()
        let routes = try routes(fixture)
        try routes.intercom.changeGrant(minutes: 120, by: "alice")
        fixture.clock.advance(600)
        let page = text(routes.grantPage(grantRequest("code=" + IntercomRoutesTests.grantCode)))
        XCTAssertTrue(page.contains("110 minutes left"), page)
        XCTAssertEqual(routes.intercom.activeGrant()?.until, IntercomFixture.start + 7200)
        fixture.clock.advance(4000)
        _ = routes.grantPage(grantRequest("code=" + IntercomRoutesTests.grantCode))
        XCTAssertEqual(routes.intercom.activeGrant()?.until, IntercomFixture.start + 4600 + 3600)
        XCTAssertEqual(fixture.published("intercom.grant").last?["action"], "extended")
    }

    func testAWrongOrMissingCodeIsJustNo() throws {
        let fixture = try fixture()
        let routes = try routes(fixture)
        for query in ["code=open-sesame-012345678", "code=", "", "other=1", "code=%ZZ"] {
            let response = routes.grantPage(grantRequest(query))
            XCTAssertEqual(response.status, .forbidden, query)
            XCTAssertEqual(text(response), "no\n", query)
        }
        XCTAssertNil(routes.intercom.activeGrant())
    }

    func testGuessingTheCodeIsThrottledPerAddress() throws {
        let fixture = try fixture()
        let routes = try routes(fixture)
        for guess in 1...5 {
            XCTAssertEqual(routes.grantPage(grantRequest("code=guess-\(guess)-xxxxxxxx")).status, .forbidden)
        }
        let limited = routes.grantPage(grantRequest("code=guess-6-xxxxxxxx"))
        XCTAssertEqual(limited.status, .tooManyRequests)
        XCTAssertEqual(limited.headers["Retry-After"], "900")
        // Even the right code waits: otherwise the 429 would only slow down wrong guesses.
        XCTAssertEqual(routes.grantPage(grantRequest("code=" + IntercomRoutesTests.grantCode)).status, .tooManyRequests)
        XCTAssertNil(routes.intercom.activeGrant())
        // Another address is not affected.
        XCTAssertEqual(routes.grantPage(grantRequest("code=" + IntercomRoutesTests.grantCode, client: "203.0.113.9")).status, .ok)
        fixture.clock.advance(900)
        XCTAssertEqual(routes.grantPage(grantRequest("code=" + IntercomRoutesTests.grantCode)).status, .ok)
    }

    // MARK: The dialer's JSON routes

    func testStatusWithoutAGrant() throws {
        let routes = try routes(try fixture())
        let answer = try json(routes.status(apiRequest("GET"), user: "alice"))
        XCTAssertEqual(answer["grant"], ["active": false])
        XCTAssertEqual(answer["openings"], [])
        XCTAssertEqual(answer["grantMinutes"], 60)
        XCTAssertEqual(answer["maxGrantMinutes"], 120)
    }

    func testStartExtendAndEndAGrantFromTheDialer() throws {
        let fixture = try fixture()
        let routes = try routes(fixture)
        let start = IntercomFixture.start

        let started = try json(routes.changeGrant(apiRequest("POST", body: "{\"minutes\":30}"), user: "alice"))
        XCTAssertEqual(started["grant"], ["active": true, "until": .int(start + 1800), "by": "alice", "startedAt": .int(start)])

        fixture.clock.advance(60)
        let extended = try json(routes.changeGrant(apiRequest("POST", body: "{\"minutes\":30}"), user: "bob"))
        XCTAssertEqual(extended["grant"]?["until"], .int(start + 3600))
        XCTAssertEqual(extended["grant"]?["by"], "alice")

        // Capped at now + max_grant_minutes (120).
        let capped = try json(routes.changeGrant(apiRequest("POST", body: "{\"minutes\":120,\"action\":\"extend\"}"), user: "bob"))
        XCTAssertEqual(capped["grant"]?["until"], .int(start + 60 + 7200))

        let restarted = try json(routes.changeGrant(apiRequest("POST", body: "{\"minutes\":5,\"action\":\"start\"}"), user: "bob"))
        XCTAssertEqual(restarted["grant"]?["until"], .int(start + 60 + 300))

        let ended = try json(routes.endGrant(apiRequest("DELETE"), user: "carol"))
        XCTAssertEqual(ended["grant"], ["active": false])

        XCTAssertEqual(fixture.published("intercom.grant"), [
            ["action": "started", "until": .int(start + 1800), "by": "alice"],
            ["action": "extended", "until": .int(start + 3600), "by": "bob"],
            ["action": "extended", "until": .int(start + 60 + 7200), "by": "bob"],
            ["action": "extended", "until": .int(start + 60 + 300), "by": "bob"],
            ["action": "ended", "until": .int(start + 60), "by": "carol"],
        ])
        XCTAssertTrue(fixture.events.events.allSatisfy { $0.rooms == [RoomName.everyone] })
    }

    func testAnEmptyBodyStartsADefaultLengthGrant() throws {
        let fixture = try fixture()
        let routes = try routes(fixture)
        let answer = try json(routes.changeGrant(apiRequest("POST"), user: "alice"))
        XCTAssertEqual(answer["grant"]?["until"], .int(IntercomFixture.start + 3600))
    }

    func testBadGrantRequestsAre400AndChangeNothing() throws {
        let routes = try routes(try fixture())
        for body in ["{\"minutes\":0}", "{\"minutes\":121}", "{\"minutes\":\"30\"}", "{\"minutes\":1.5}", "[30]",
                     "{\"minutes\":30,\"action\":\"open\"}", "{minutes:30}"] {
            let response = routes.changeGrant(apiRequest("POST", body: body), user: "alice")
            XCTAssertEqual(response.status, .badRequest, body)
            XCTAssertNotNil(try json(response)["error"]?.stringValue, body)
        }
        let huge = routes.changeGrant(apiRequest("POST", body: "{\"minutes\":30," + String(repeating: " ", count: 5000) + "}"), user: "alice")
        XCTAssertEqual(huge.status, .payloadTooLarge)
        XCTAssertNil(routes.intercom.activeGrant())
    }

    func testAGrantThatCannotBeSavedIs503AndNotStarted() throws {
        let fixture = try fixture()
        let routes = try routes(fixture)
        fixture.store.close()
        let response = routes.changeGrant(apiRequest("POST", body: "{\"minutes\":30}"), user: "alice")
        XCTAssertEqual(response.status, .serviceUnavailable)
        XCTAssertEqual(response.headers["Retry-After"], "5")
        XCTAssertEqual(try json(response)["error"], "the grant could not be saved now; try again")
        XCTAssertNil(routes.intercom.activeGrant())
        XCTAssertTrue(fixture.published("intercom.grant").isEmpty)
        // The webhook and the grant link answer 503 too (Twilio retries; the guest tries again).
        XCTAssertEqual(routes.grantPage(grantRequest("code=" + IntercomRoutesTests.grantCode)).status, .serviceUnavailable)
    }

    func testEndingWhenNoGrantRunsIsFine() throws {
        let fixture = try fixture()
        let routes = try routes(fixture)
        let response = routes.endGrant(apiRequest("DELETE"), user: "alice")
        XCTAssertEqual(response.status, .ok)
        XCTAssertTrue(fixture.published("intercom.grant").isEmpty)
    }

    func testOpeningsAreListedNewestFirst() throws {
        let fixture = try fixture("expected_from = +442079460999\ndoor_codes = 4711")
        let routes = try routes(fixture)
        try routes.intercom.changeGrant(minutes: 10, by: "alice")
        _ = try routes.intercom.answer(IntercomCall(from: "+442079460999"))
        fixture.clock.advance(700)
        _ = try routes.intercom.answer(IntercomCall(step: .code, from: "+442079460999", digits: "4711"))
        let openings = try json(routes.status(apiRequest("GET"), user: "alice"))["openings"]
        XCTAssertEqual(openings, [
            ["at": .int(IntercomFixture.start + 700), "how": "code", "from": "+442079460999"],
            ["at": .int(IntercomFixture.start), "how": "grant", "from": "+442079460999"],
        ])
    }
}

/// The call-history updates a route handed over (from any thread).
final class UpdateLog: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: [CallUpdate?] = []
    func append(_ update: CallUpdate?) { lock.withLock { stored.append(update) } }
    var updates: [CallUpdate?] { lock.withLock { stored } }
}
