import XCTest
@testable import Phone

final class VoiceRoutingTests: XCTestCase {
    let account = "AC" + String(repeating: "1", count: 32)

    func routing() throws -> VoiceRouting {
        let ini = try IniFile(text: """
            [numbers]
            +44 20 7946 0174 = alice, bob
            +1 415 555 0100 = alice
            [clients]
            alice = +442079460174, +14155550100
            bob = +442079460174
            carol = +447700900999
            """, path: "shetphone.ini")
        let plan = try NumberPlan(ini: ini, allowedCountries: ["GB", "US"])
        return VoiceRouting(plan: plan, accountSID: account, webhookBaseURL: "https://phone.example.com/base/",
                            dialTimeout: 20, noAnswerMessage: "Nobody <home> & \"away\"")
    }

    func outgoing(_ to: String, from: String = "client:alice") -> [(String, String)] {
        [("AccountSid", account), ("CallSid", "CA1"), ("From", from), ("To", to), ("Direction", "inbound")]
    }

    func testBrowserCallDialsWithTheCallerIDOfTheDestinationsCountry() throws {
        let answer = try routing().answer(outgoing("+1 (212) 555-0100"))
        let tree = try XCTUnwrap(TwiMLTree.parse(answer.twiml.xml))
        let dial = try XCTUnwrap(tree.child("Dial"))
        XCTAssertEqual(dial.attributes, ["callerId": "+14155550100", "answerOnBridge": "true", "timeout": "60",
                                         "action": "https://phone.example.com/base/voice", "method": "POST"])
        let number = try XCTUnwrap(dial.child("Number"))
        XCTAssertEqual(number.text, "+12125550100")
        XCTAssertEqual(number.attributes["statusCallback"],
                       "https://phone.example.com/base/status?number=%2B14155550100&user=alice")
        XCTAssertEqual(number.attributes["statusCallbackEvent"], "initiated ringing answered completed")
        XCTAssertEqual(number.attributes["statusCallbackMethod"], "POST")
        XCTAssertEqual(answer.outcome, .outgoing(user: "alice", destination: try PhoneNumber(e164: "+12125550100"),
                                                 callerID: try PhoneNumber(e164: "+14155550100")))
        XCTAssertTrue(answer.events.isEmpty)
    }

    func testNationalNumberUsesTheCallersFirstCountry() throws {
        let answer = try routing().answer(outgoing("07700 900123"))
        let dial = try XCTUnwrap(TwiMLTree.parse(answer.twiml.xml)?.child("Dial"))
        XCTAssertEqual(dial.child("Number")?.text, "+447700900123")
        XCTAssertEqual(dial.attributes["callerId"], "+442079460174")
    }

    func testRefusalsNeverDial() throws {
        let routing = try routing()
        let cases: [([(String, String)], String)] = [
            (outgoing("+18765550100"), "Sorry, calls to that country are not allowed."),  // Jamaica, +1 but not US
            (outgoing("+33 1 23 45 67 89"), "Sorry, calls to that country are not allowed."),
            (outgoing("+88216123456"), "Sorry, calls to that country are not allowed."),
            (outgoing("not a number"), "Sorry, that is not a valid phone number."),
            (outgoing(""), "Sorry, that is not a valid phone number."),
            (outgoing(String(repeating: "1", count: 70)), "Sorry, that is not a valid phone number."),
            (outgoing("client:bob"), "Sorry, that is not a valid phone number."),
            (outgoing("+12125550100", from: "client:mallory"), "We are unable to connect your call at this time."),
            (outgoing("+12125550100", from: "+12125550199"), "We are unable to connect your call at this time."),
            ([("AccountSid", "AC" + String(repeating: "9", count: 32)), ("From", "client:alice"), ("To", "+12125550100")],
             "We are unable to connect your call at this time."),
            ([("From", "+12125550199"), ("To", "+447700900999")], "We are unable to connect your call at this time."),
            ([], "We are unable to connect your call at this time."),
        ]
        for (form, message) in cases {
            let answer = routing.answer(form)
            let tree = try XCTUnwrap(TwiMLTree.parse(answer.twiml.xml))
            XCTAssertEqual(tree.children.map(\.name), ["Say", "Hangup"], "\(form)")
            XCTAssertEqual(tree.child("Say")?.text, message, "\(form)")
            XCTAssertFalse(answer.twiml.xml.contains("<Dial"), "\(form)")
            guard case .refused = answer.outcome else { return XCTFail("\(form): \(answer.outcome)") }
        }
    }

    func testIncomingCallRingsEveryUserOfTheNumberAndTellsTheirBrowsers() throws {
        let form = [("AccountSid", account), ("CallSid", "CA9"), ("From", "+447700900123"), ("To", "+442079460174"),
                    ("Direction", "inbound"), ("CallerName", "Jane <Doe>")]
        let answer = try routing().answer(form)
        let tree = try XCTUnwrap(TwiMLTree.parse(answer.twiml.xml))
        XCTAssertEqual(tree.children.map(\.name), ["Dial"])
        let dial = tree.children[0]
        XCTAssertEqual(dial.attributes, ["timeout": "20", "action": "https://phone.example.com/base/voice", "method": "POST"])
        XCTAssertEqual(dial.children.map(\.text), ["alice", "bob"])
        for client in dial.children {
            XCTAssertEqual(client.name, "Client")
            XCTAssertEqual(client.attributes["statusCallback"], "https://phone.example.com/base/status?number=%2B442079460174")
            XCTAssertEqual(client.attributes["statusCallbackEvent"], "initiated ringing answered completed")
        }
        XCTAssertEqual(answer.events.count, 1)
        let event = answer.events[0]
        XCTAssertEqual(event.type, "call.incoming")
        XCTAssertEqual(event.rooms, ["number:+442079460174", "user:alice", "user:bob"])
        XCTAssertEqual(event.data, ["callSid": "CA9", "from": "+447700900123", "to": "+442079460174", "callerName": "Jane <Doe>"])
        XCTAssertEqual(event.json,
                       "{\"type\":\"call.incoming\",\"data\":{\"callSid\":\"CA9\",\"from\":\"+447700900123\",\"to\":\"+442079460174\",\"callerName\":\"Jane <Doe>\"}}")
    }

    func testUnansweredIncomingCallHearsTheNoAnswerMessage() throws {
        let routing = try routing()
        for status in ["no-answer", "busy", "failed", "canceled"] {
            let xml = routing.answer([("CallSid", "CA9"), ("From", "+447700900123"), ("To", "+442079460174"), ("DialCallStatus", status)]).twiml.xml
            let tree = try XCTUnwrap(TwiMLTree.parse(xml))
            XCTAssertEqual(tree.children.map(\.name), ["Say", "Hangup"], status)
            XCTAssertEqual(tree.child("Say")?.text, "Nobody <home> & \"away\"")
        }
        let done = routing.answer([("DialCallStatus", "completed"), ("To", "+442079460174")])
        XCTAssertEqual(done.twiml.xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Hangup/></Response>")
    }

    func testWithoutAPublicURLCallbacksAreRelativeToVoice() throws {
        var routing = try routing()
        routing.webhookBaseURL = ""
        let xml = routing.answer([("From", "+447700900123"), ("To", "+442079460174")]).twiml.xml
        let dial = try XCTUnwrap(TwiMLTree.parse(xml)?.child("Dial"))
        XCTAssertEqual(dial.attributes["action"], "voice")
        XCTAssertEqual(dial.child("Client")?.attributes["statusCallback"], "status?number=%2B442079460174")
    }

    // MARK: How outgoing calls end

    func dialEnded(_ status: String, from: String = "client:alice") -> [(String, String)] {
        [("AccountSid", account), ("CallSid", "CA1"), ("From", from), ("To", "+12125550100"),
         ("DialCallSid", "CA2"), ("DialCallStatus", status)]
    }

    func testOutgoingCallThatDidNotConnectSaysWhyAndTellsTheDialer() throws {
        let cases = [("busy", "the number is busy"), ("no-answer", "there was no answer"),
                     ("failed", "the call could not be connected")]
        for (status, reason) in cases {
            let answer = try routing().answer(dialEnded(status))
            let tree = try XCTUnwrap(TwiMLTree.parse(answer.twiml.xml), answer.twiml.xml)
            XCTAssertEqual(tree.children.map(\.name), ["Say", "Hangup"], status)
            XCTAssertEqual(tree.child("Say")?.text, "Sorry, \(reason).")
            XCTAssertEqual(answer.outcome, .dialEnded(status: status))
            let event = try XCTUnwrap(answer.events.first)
            XCTAssertEqual(event.type, "call.outcome")
            XCTAssertEqual(event.rooms, ["user:alice"])
            XCTAssertEqual(event.data, ["callSid": "CA1", "dialCallSid": "CA2", "status": .string(status),
                                        "reason": .string(reason), "to": "+12125550100"])
        }
    }

    func testOutgoingCallThatHappenedJustHangsUp() throws {
        for status in ["completed", "answered", "canceled"] {
            let answer = try routing().answer(dialEnded(status))
            let tree = try XCTUnwrap(TwiMLTree.parse(answer.twiml.xml))
            XCTAssertEqual(tree.children.map(\.name), ["Hangup"], status)
            XCTAssertEqual(answer.events.first?.data["reason"], .null)
        }
    }

    func testAnUnknownDialStatusCountsAsFailed() throws {
        let answer = try routing().answer(dialEnded("exploded"))
        XCTAssertEqual(answer.events.first?.data["status"], "failed")
        XCTAssertEqual(TwiMLTree.parse(answer.twiml.xml)?.child("Say")?.text, "Sorry, the call could not be connected.")
    }

    func testIncomingCallNobodyAnsweredStillSaysTheNoAnswerMessage() throws {
        let answer = try routing().answer(dialEnded("no-answer", from: "+447700900123"))
        XCTAssertEqual(TwiMLTree.parse(answer.twiml.xml)?.child("Say")?.text, "Nobody <home> & \"away\"")
        XCTAssertTrue(answer.events.isEmpty)
    }
}
