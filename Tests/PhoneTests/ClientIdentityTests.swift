import XCTest
@testable import Phone

final class ClientIdentityTests: XCTestCase {
    let long = String(repeating: "x", count: 60) + "." + String(repeating: "y", count: 69)

    func testNamesTheSDKAcceptsStayAndOthersAreEscaped() {
        XCTAssertEqual(ClientIdentity.of("alice"), "alice")
        XCTAssertEqual(ClientIdentity.of("Bob42"), "Bob42")
        XCTAssertEqual(ClientIdentity.of("j.smith"), "j_2Esmith")
        XCTAssertEqual(ClientIdentity.of("anna-lena"), "anna_2Dlena")
        XCTAssertEqual(ClientIdentity.of("eve@example.com"), "eve_40example_2Ecom")
        XCTAssertEqual(ClientIdentity.of("a_b"), "a__b")
        XCTAssertEqual(ClientIdentity.of("zoë"), "zo_C3_AB")
    }

    func testEveryIdentityMeetsTheSDKRuleAndDecodesBack() {
        for name in ["alice", "j.smith", "anna-lena", "eve@example.com", "a_b", "_", "__2E", "zoë", "x_2Ey", "日本"] {
            let identity = ClientIdentity.of(name)
            XCTAssertTrue(ClientIdentity.isValid(identity), identity)
            XCTAssertEqual(ClientIdentity.decode(identity), name)
        }
    }

    func testLongNamesAreShortenedToTheLimitAndStayDistinct() {
        let identity = ClientIdentity.of(long)
        XCTAssertEqual(identity.utf8.count, ClientIdentity.maximumLength)
        XCTAssertTrue(ClientIdentity.isValid(identity))
        XCTAssertTrue(identity.hasPrefix(String(repeating: "x", count: 60) + "_2E"))
        XCTAssertNil(ClientIdentity.decode(identity), "a shortened identity is looked up, not decoded")
        let sibling = String(long.dropLast()) + "z"
        XCTAssertNotEqual(ClientIdentity.of(sibling), identity)
        XCTAssertEqual(String(ClientIdentity.of(sibling).prefix(87)), String(identity.prefix(87)))
    }

    func testNoTwoNamesShareAnIdentity() {
        let names = ["a.b", "a_2Eb", "a_b", "a__b", "a-b", "a_2Db", "ab", "a b", "A.b", "a_", "a__", "_a", "__a"]
        XCTAssertEqual(Set(names.map(ClientIdentity.of)).count, names.count)
    }

    func testDecodeRefusesWhatItDidNotMake() {
        for identity in ["", "a.b", "a_2e", "a_", "a_4", "_41", "a_zz", String(repeating: "a", count: 122)] {
            XCTAssertNil(ClientIdentity.decode(identity), identity)
        }
    }

    func testThePlanFindsUsersAtTheirClientAddress() throws {
        let plan = try NumberPlan(ini: IniFile(text: "[numbers]\n+442079460174 = j.smith \(long) alice\n", path: "x.ini"))
        XCTAssertEqual(plan.user(atClientAddress: "client:j_2Esmith"), "j.smith")
        XCTAssertEqual(plan.user(atClientAddress: "client:" + ClientIdentity.of(long)), long)
        XCTAssertEqual(plan.user(atClientAddress: "client:alice"), "alice")
        XCTAssertNil(plan.user(atClientAddress: "client:j.smith"))
        XCTAssertNil(plan.user(atClientAddress: "client:mallory"))
        XCTAssertNil(plan.user(atClientAddress: "+442079460174"))
    }

    func testRenamingsListOnlyTheNamesThatChange() {
        XCTAssertEqual(ClientIdentity.renamings(["alice", "j.smith", "anna-lena"]),
                       "anna-lena -> anna_2Dlena, j.smith -> j_2Esmith")
        XCTAssertNil(ClientIdentity.renamings(["alice", "bob"]))
        XCTAssertEqual(ClientIdentity.renamings(["a.1", "a.2", "a.3"], limit: 1), "a.1 -> a_2E1 and 2 more")
    }

    func testIncomingRingsTheIdentityAndOutgoingReadsItBack() throws {
        let plan = try NumberPlan(ini: IniFile(text: "[numbers]\n+442079460174 = j.smith\n", path: "x.ini"))
        let routing = VoiceRouting(plan: plan)
        let incoming = routing.answer([("CallSid", "CA1"), ("From", "+447700900123"), ("To", "+442079460174")])
                XCTAssertTrue(incoming.twiml.xml.contains(">j_2Esmith</Client>"), incoming.twiml.xml)
        XCTAssertEqual(incoming.events.first?.rooms, ["number:+442079460174", "user:j.smith"])
        let outgoing = routing.answer([("CallSid", "CA2"), ("From", "client:j_2Esmith"), ("To", "+447700900456")])
        guard case let .outgoing(user, _, _) = outgoing.outcome else { return XCTFail("\(outgoing.outcome)") }
        XCTAssertEqual(user, "j.smith")
    }

    func testTokensRefuseIdentitiesTheSDKWouldNot() {
        XCTAssertThrowsError(try AccessToken(accountSID: "AC1", apiKeySID: "SK1", apiKeySecret: "s", identity: "j.smith",
                                             voice: VoiceGrant(outgoingApplicationSID: "AP1")))
        XCTAssertNoThrow(try AccessToken(accountSID: "AC1", apiKeySID: "SK1", apiKeySecret: "s", identity: "j_2Esmith",
                                         voice: VoiceGrant(outgoingApplicationSID: "AP1")))
    }
}
