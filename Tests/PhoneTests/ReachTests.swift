import XCTest
@testable import Phone

/// Incoming calls beyond the browsers, read back through a real XML parser.
final class ReachTests: XCTestCase {
    let account = "AC" + String(repeating: "1", count: 32)
    let base = "https://phone.example.com/base"

    func routing(ring: String = "", voicemail: String? = "") throws -> VoiceRouting {
        let text = """
            [numbers]
            +442079460174 = alice, bob
            [ring]
            \(ring)
            [voicemail]
            \(voicemail ?? "enabled = false")
            """
        let ini = try IniFile(text: text, path: "shetphone.ini")
        let plan = try NumberPlan(ini: ini, allowedCountries: ["GB", "US"])
        let config = try ShetphoneConfig(text: text, path: "shetphone.ini")
        var routing = VoiceRouting(plan: plan, accountSID: account, webhookBaseURL: base, dialTimeout: 20,
                                   noAnswerMessage: "Nobody is here.")
        routing.reach = try Reach.load(config: config, plan: plan)
        return routing
    }

    func call(_ extra: [(String, String)] = []) -> [(String, String)] {
        [("AccountSid", account), ("CallSid", "CA1"), ("From", "+15005550006"), ("To", "+442079460174")] + extra
    }

    func tree(_ answer: VoiceAnswer) throws -> TwiMLTree { try XCTUnwrap(TwiMLTree.parse(answer.twiml.xml)) }

    func testNobodyAnsweringGetsTheGreetingThenARecording() throws {
        let routing = try routing(voicemail: "greeting = Leave it <here>\nvoice = Polly.Amy\nlanguage = en-GB\nmax_length = 90\ntranscribe = true")
        let answer = routing.answer(call([("DialCallStatus", "no-answer")]))
        XCTAssertEqual(answer.events.map(\.type), ["call.missed"])
        XCTAssertEqual(answer.events.first?.data["to"], .string("+442079460174"))
        let root = try tree(answer)
        XCTAssertEqual(root.children.map(\.name), ["Say", "Record", "Hangup"])
        let say = root.children[0]
        XCTAssertEqual(say.text, "Leave it <here>")
        XCTAssertEqual(say.attributes, ["voice": "Polly.Amy", "language": "en-GB"])
        let record = root.children[1]
        XCTAssertEqual(record.attributes["maxLength"], "90")
        XCTAssertEqual(record.attributes["playBeep"], "true")
        XCTAssertEqual(record.attributes["action"], base + "/voicemail/recorded")
        XCTAssertEqual(record.attributes["recordingStatusCallback"],
                       base + "/voicemail/recording?number=%2B442079460174&caller=%2B15005550006")
        XCTAssertEqual(record.attributes["transcribe"], "true")
        XCTAssertEqual(record.attributes["transcribeCallback"],
                       base + "/voicemail/transcription?number=%2B442079460174&caller=%2B15005550006")
    }

    func testAGreetingFileIsPlayedFromThisServerAndNumbersCanOptOut() throws {
        let directory = NSTemporaryDirectory()
        FileManager.default.createFile(atPath: directory + "/hello.mp3", contents: Data([0xFF, 0xFB]))
        let routing = try routing(voicemail: "greeting_file = \(directory)/hello.mp3")
        let root = try tree(routing.answer(call([("DialCallStatus", "busy")])))
        XCTAssertEqual(root.children.map(\.name), ["Play", "Record", "Hangup"])
        XCTAssertEqual(root.children[0].text, base + "/voicemail/greeting/default")
        let off = try self.routing(voicemail: "+442079460174.enabled = false")
        XCTAssertEqual(try tree(off.answer(call([("DialCallStatus", "no-answer")]))).children.map(\.name), ["Say", "Hangup"])
        XCTAssertEqual(try tree(off.answer(call([("DialCallStatus", "no-answer")]))).children[0].text, "Nobody is here.")
    }

    func testAMobileRingsScreenedWithTheBrowsers() throws {
        let routing = try routing(ring: "alice = +447700900123 sip:alice@example.sip.twilio.com")
        let dial = try XCTUnwrap(tree(routing.answer(call())).child("Dial"))
        XCTAssertEqual(dial.attributes["timeout"], "20")
        XCTAssertEqual(dial.attributes["action"], base + "/voice")
        XCTAssertEqual(dial.children.map(\.name), ["Client", "Client", "Number", "Sip"])
        XCTAssertEqual(dial.children.filter { $0.name == "Client" }.map(\.text), ["alice", "bob"])
        let number = dial.children[2]
        XCTAssertEqual(number.text, "+447700900123")
        XCTAssertEqual(number.attributes["url"], base + "/voice/screen?number=%2B442079460174&caller=%2B15005550006")
        XCTAssertEqual(number.attributes["statusCallback"], base + "/status?number=%2B442079460174")
        XCTAssertEqual(dial.children[3].text, "sip:alice@example.sip.twilio.com")
    }

    func testAPhoneSetToJoinLaterRingsOnlyInTheSecondStage() throws {
        let routing = try routing(ring: "bob = +447700900456 after 8")
        let first = try XCTUnwrap(tree(routing.answer(call())).child("Dial"))
        XCTAssertEqual(first.children.map(\.name), ["Client", "Client"])
        XCTAssertEqual(first.attributes["timeout"], "8")
        XCTAssertEqual(first.attributes["action"], base + "/voice?ring=2")
        let second = try XCTUnwrap(tree(routing.answer(call([("DialCallStatus", "no-answer")]), query: [("ring", "2")])).child("Dial"))
        XCTAssertEqual(second.children.map(\.name), ["Client", "Client", "Number"])
        XCTAssertEqual(second.attributes["timeout"], "12", "the rest of the ring time")
        XCTAssertEqual(second.attributes["action"], base + "/voice")
        let hungUp = try tree(routing.answer(call([("DialCallStatus", "canceled")]), query: [("ring", "2")]))
        XCTAssertNil(hungUp.child("Dial"), "a caller who hung up is not rung again")
        let answered = try tree(routing.answer(call([("DialCallStatus", "completed")]), query: [("ring", "2")]))
        XCTAssertEqual(answered.children.map(\.name), ["Hangup"])
    }

    func testDoNotDisturbSkipsThatUserAndAllAsleepGoesStraightToVoicemail() throws {
        let one = try routing(ring: "alice = +447700900123\ndnd = alice")
        let dial = try XCTUnwrap(tree(one.answer(call())).child("Dial"))
        XCTAssertEqual(dial.children.map(\.name), ["Client"])
        XCTAssertEqual(dial.children[0].text, "bob")
        let both = try routing(ring: "dnd = alice bob")
        let answer = both.answer(call())
        XCTAssertEqual(try tree(answer).children.map(\.name), ["Say", "Record", "Hangup"])
        XCTAssertEqual(answer.events.map(\.type), ["call.incoming"], "the browsers still see the call in their list")
    }

    func testScreeningAsksForAKeyAndOnlyOneConnects() throws {
        let screening = CallScreening(webhookBaseURL: base)
        let query = [("number", "+442079460174"), ("caller", "+15005550006")]
        let ask = try XCTUnwrap(TwiMLTree.parse(screening.answer(form: [("CallSid", "CA2")], query: query).xml))
        XCTAssertEqual(ask.children.map(\.name), ["Gather", "Hangup"])
        let gather = ask.children[0]
        XCTAssertEqual(gather.attributes["numDigits"], "1")
        XCTAssertEqual(gather.attributes["action"], base + "/voice/screen?number=%2B442079460174&caller=%2B15005550006")
        XCTAssertEqual(gather.child("Say")?.text, "Call for plus 4 4 2 0 7 9 4 6 0 1 7 4 from plus 1 5 0 0 5 5 5 0 0 0 6. Press 1 to take it.")
        let take = try XCTUnwrap(TwiMLTree.parse(screening.answer(form: [("Digits", "1")], query: query).xml))
        XCTAssertEqual(take.children.count, 0, "an empty response connects the call")
        let decline = try XCTUnwrap(TwiMLTree.parse(screening.answer(form: [("Digits", "9")], query: query).xml))
        XCTAssertEqual(decline.children.map(\.name), ["Hangup"])
        let forged = try XCTUnwrap(TwiMLTree.parse(screening.answer(form: [], query: [("caller", "</Say><Dial>+1900")]).xml))
        XCTAssertEqual(forged.child("Gather")?.child("Say")?.text, "Call for your number from 1 9 0 0. Press 1 to take it.")
    }

    func testRingSettingsErrorsNameTheLineAndRule() throws {
        XCTAssertThrowsError(try routing(ring: "zoe = +447700900123")) { XCTAssertTrue("\($0)".contains("[ring] zoe: \"zoe\" answers none of [numbers]"), "\($0)") }
        XCTAssertThrowsError(try routing(ring: "alice = 07700 900123")) { XCTAssertTrue("\($0)".contains("is neither a +E.164 number nor a sip: URI"), "\($0)") }
        XCTAssertThrowsError(try routing(ring: "alice = +447700900123 after 500")) { XCTAssertTrue("\($0)".contains("must be 1 to 120 seconds"), "\($0)") }
        XCTAssertThrowsError(try routing(voicemail: "+15550000000.greeting = hi")) { XCTAssertTrue("\($0)".contains("is none of [numbers]"), "\($0)") }
    }
}
