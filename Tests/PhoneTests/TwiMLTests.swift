import XCTest
@testable import Phone

final class TwiMLTests: XCTestCase {
    /// Every kind of text that has broken XML builders: markup, both quotes, entities, CDATA
    /// ends, controls, CR/LF/tab, non-BMP characters, a byte-order mark and a lone U+FFFE.
    let hostile = "a<b>&c\"d'e &amp; ]]> <!-- x --> \u{1}\u{8}\u{B}\u{C}\u{1F}\u{7F} tab\there\nnew\r\nline 😀 ☎ é \u{FEFF}\u{FFFE}\u{FFFF}"

    /// What a parser must read back: controls and non-characters dropped, the rest intact.
    var hostileCleaned: String {
        String(String.UnicodeScalarView(hostile.unicodeScalars.filter {
            !([0x1, 0x8, 0xB, 0xC, 0x1F, 0x7F, 0xFFFE, 0xFFFF] as [UInt32]).contains($0.value)
        }))
    }

    func testDocumentHasDeclarationAndResponseRoot() {
        XCTAssertEqual(TwiML([]).xml, "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>")
        XCTAssertEqual(TwiML([.say("Hello"), .hangup()]).xml,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Say>Hello</Say><Hangup/></Response>")
    }

    func testOutgoingDialIsWrittenExactly() {
        let xml = TwiML([
            .dial([.number("+14155550100", statusCallback: "https://example.com/status",
                           statusCallbackEvent: [.initiated, .ringing, .answered, .completed], statusCallbackMethod: .post)],
                  callerId: "+442079460174", answerOnBridge: true),
        ]).xml
        XCTAssertEqual(xml, """
            <?xml version="1.0" encoding="UTF-8"?><Response><Dial callerId="+442079460174" answerOnBridge="true">\
            <Number statusCallbackEvent="initiated ringing answered completed" statusCallback="https://example.com/status" \
            statusCallbackMethod="POST">+14155550100</Number></Dial></Response>
            """)
    }

    func testTextEscapingSurvivesAParser() throws {
        let xml = TwiML([.say(hostile)]).xml
        XCTAssertFalse(xml.contains("\u{1}"))
        let tree = try XCTUnwrap(TwiMLTree.parse(xml), "not well-formed: \(xml)")
        // Parsers normalise CRLF to LF in text unless the CR is a character reference; it is.
        XCTAssertEqual(tree.child("Say")?.text, hostileCleaned)
    }

    func testEveryAttributeEscapesHostileInput() throws {
        let h = hostile
        let verbs: [TwiMLElement] = [
            .say(h, voice: h, language: h),
            .play(url: h, digits: h),
            .dial([.number(h, sendDigits: h, url: h, statusCallback: h, statusCallbackMethod: .get),
                   .client(h, parameters: [(h, h)], statusCallback: h)],
                  callerId: h, answerOnBridge: false, timeout: 5, action: h, method: .post, record: .fromAnswerDual, ringTone: h),
            .dial(text: h, callerId: h),
            .gather([.say(h)], numDigits: 1, timeout: 3, finishOnKey: h, action: h, method: .get),
            .redirect(h, method: .post),
            .pause(length: 2),
            .reject(reason: .busy),
        ]
        let xml = TwiML(verbs).xml
        let tree = try XCTUnwrap(TwiMLTree.parse(xml), "not well-formed: \(xml)")
        let clean = hostileCleaned
        XCTAssertEqual(tree.name, "Response")
        XCTAssertEqual(tree.children.map(\.name), ["Say", "Play", "Dial", "Dial", "Gather", "Redirect", "Pause", "Reject"])

        let say = tree.children[0]
        XCTAssertEqual(say.attributes["voice"], clean)
        XCTAssertEqual(say.attributes["language"], clean)
        XCTAssertEqual(say.text, clean)

        XCTAssertEqual(tree.children[1].attributes["digits"], clean)
        XCTAssertEqual(tree.children[1].text, clean)

        let dial = tree.children[2]
        for name in ["callerId", "action", "ringTone"] { XCTAssertEqual(dial.attributes[name], clean, name) }
        XCTAssertEqual(dial.attributes["answerOnBridge"], "false")
        XCTAssertEqual(dial.attributes["record"], "record-from-answer-dual")
        let number = try XCTUnwrap(dial.child("Number"))
        for name in ["sendDigits", "url", "statusCallback"] { XCTAssertEqual(number.attributes[name], clean, name) }
        XCTAssertEqual(number.attributes["statusCallbackMethod"], "GET")
        XCTAssertEqual(number.text, clean)
        let client = try XCTUnwrap(dial.child("Client"))
        XCTAssertEqual(client.attributes["statusCallback"], clean)
        XCTAssertEqual(client.child("Identity")?.text, clean)
        XCTAssertEqual(client.child("Parameter")?.attributes["name"], clean)
        XCTAssertEqual(client.child("Parameter")?.attributes["value"], clean)

        XCTAssertEqual(tree.children[3].text, clean)
        let gather = tree.children[4]
        XCTAssertEqual(gather.attributes["finishOnKey"], clean)
        XCTAssertEqual(gather.attributes["numDigits"], "1")
        XCTAssertEqual(gather.child("Say")?.text, clean)
        XCTAssertEqual(tree.children[5].text, clean)
        XCTAssertEqual(tree.children[6].attributes["length"], "2")
        XCTAssertEqual(tree.children[7].attributes["reason"], "busy")
    }

    func testAttributeLineBreaksAndTabsAreKeptAsCharacterReferences() throws {
        let xml = TwiML([.say("x", voice: "a\tb\nc\rd")]).xml
        XCTAssertTrue(xml.contains("voice=\"a&#9;b&#10;c&#13;d\""), xml)
        let tree = try XCTUnwrap(TwiMLTree.parse(xml))
        XCTAssertEqual(tree.child("Say")?.attributes["voice"], "a\tb\nc\rd")
    }

    func testNilAttributesAreLeftOut() {
        XCTAssertEqual(TwiML([.dial([.client("alice")])]).xml,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Dial><Client>alice</Client></Dial></Response>")
        XCTAssertEqual(TwiML([.play(digits: "9")]).xml,
                       "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response><Play digits=\"9\"/></Response>")
    }

    func testClientWithParametersUsesIdentityChild() throws {
        let xml = TwiML([.dial([.client("alice", parameters: [("ring", "1")])])]).xml
        let client = try XCTUnwrap(TwiMLTree.parse(xml)?.child("Dial")?.child("Client"))
        XCTAssertEqual(client.child("Identity")?.text, "alice")
        XCTAssertEqual(client.child("Parameter")?.attributes, ["name": "ring", "value": "1"])
    }

    func testEscapeTextLeavesOrdinaryTextAlone() {
        XCTAssertEqual(TwiML.escape("Hello, world 42 é", inAttribute: false), "Hello, world 42 é")
        XCTAssertEqual(TwiML.escape("<&>\"'", inAttribute: false), "&lt;&amp;&gt;&quot;&apos;")
    }
}
