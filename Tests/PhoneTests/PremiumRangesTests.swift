import XCTest
@testable import Phone

/// Toll fraud: the Crown Dependencies are their own regions, and premium, shared-cost,
/// personal and carrier ranges are refused unless `allow_premium` lists them.
final class PremiumRangesTests: XCTestCase {
    private func number(_ e164: String) throws -> PhoneNumber { try PhoneNumber(e164: e164) }

    func testCrownDependenciesAreTheirOwnRegions() throws {
        XCTAssertEqual(try number("+441481256789").region, "GG")
        XCTAssertEqual(try number("+447781123456").region, "GG")
        XCTAssertEqual(try number("+441534456789").region, "JE")
        XCTAssertEqual(try number("+447797712345").region, "JE")
        XCTAssertEqual(try number("+447700300000").region, "JE")
        XCTAssertEqual(try number("+441624756789").region, "IM")
        XCTAssertEqual(try number("+447624123456").region, "IM")
        XCTAssertEqual(try number("+447924123456").region, "IM")
        XCTAssertEqual(try number("+442079460000").region, "GB")
        XCTAssertEqual(try number("+447700900123").region, "GB", "Ofcom's drama range is not Jersey's 07700 3/7/8")
    }

    func testCostlyRangesByKind() throws {
        let cases: [(String, PremiumRanges.Kind?)] = [
            ("+449098790000", .premium), ("+448712345678", .sharedCost), ("+448451234567", .sharedCost),
            ("+447012345678", .personal), ("+447612345678", .paging), ("+447624123456", nil),
            ("+19005551234", .premium), ("+15002345678", .personal), ("+15332345678", .personal),
            ("+14562345678", .carrierService), ("+17002345678", .carrierService),
            ("+15032345678", nil), ("+12125551234", nil), ("+442079460000", nil), ("+448001234567", nil),
            ("+4915112345678", nil),
        ]
        for (e164, kind) in cases {
            XCTAssertEqual(PremiumRanges.kind(of: try number(e164)), kind, e164)
        }
    }

    func testNANPNonGeographicPaidTollFreeAndPayPerCallExchanges() throws {
        let cases: [(String, PremiumRanges.Kind?)] = [
            ("+16002345678", .nonGeographic), ("+16222345678", .nonGeographic),
            ("+18802345678", .paidTollFree), ("+18812345678", .paidTollFree), ("+18822345678", .paidTollFree),
            ("+12129761234", .premium), ("+14169760000", .premium), ("+13109769999", .premium),
            ("+19009761234", .premium),
            // Neighbours stay ordinary: toll-free, geographic areas, 976 elsewhere in the number.
            ("+18002345678", nil), ("+18882345678", nil), ("+18832345678", nil), ("+16012345678", nil),
            ("+16232345678", nil), ("+12129751234", nil), ("+12122976123", nil), ("+19762345678", nil),
            // 976 as a NANP exchange only: another country's digits in that place are not touched.
            ("+442129761234", nil),
        ]
        for (e164, kind) in cases {
            XCTAssertEqual(PremiumRanges.kind(of: try number(e164)), kind, e164)
        }
    }

    func testAllowPremiumOverridesEachNANPRangeByPrefix() throws {
        var plan = NumberPlan(lines: [.init(number: try number("+12025550100"), users: ["alice"])],
                              allowedRegions: ["US", "CA"])
        let refused: [(String, PremiumRanges.Kind)] = [
            ("+16002345678", .nonGeographic), ("+16222345678", .nonGeographic), ("+18812345678", .paidTollFree),
            ("+12129761234", .premium), ("+13109761234", .premium), ("+15002345678", .personal),
            ("+14562345678", .carrierService),
        ]
        for (e164, kind) in refused {
            XCTAssertEqual(plan.refusal(forCallTo: try number(e164)), .costly(kind), e164)
        }
        plan.allowedPremiumPrefixes = ["+1600", "+1881", "+1212976", "+1500"]
        for e164 in ["+16002345678", "+18812345678", "+12129761234", "+15002345678"] {
            XCTAssertNil(plan.refusal(forCallTo: try number(e164)), e164)
        }
        // Only what is listed: the other area's 976, 622 and 456 stay refused.
        XCTAssertEqual(plan.refusal(forCallTo: try number("+13109761234")), .costly(.premium))
        XCTAssertEqual(plan.refusal(forCallTo: try number("+16222345678")), .costly(.nonGeographic))
        XCTAssertEqual(plan.refusal(forCallTo: try number("+14562345678")), .costly(.carrierService))
    }

    func testPlanRefusesCostlyAndCrownDependencyNumbersUnlessListed() throws {
        var plan = NumberPlan(lines: [.init(number: try number("+442079460174"), users: ["alice"])],
                              allowedRegions: ["GB", "US"])
        XCTAssertEqual(plan.refusal(forCallTo: try number("+441534456789")), .country("JE"))
        XCTAssertEqual(plan.refusal(forCallTo: try number("+449098790000")), .costly(.premium))
        XCTAssertEqual(plan.refusal(forCallTo: try number("+19005551234")), .costly(.premium))
        XCTAssertNil(plan.refusal(forCallTo: try number("+442079460000")))
        plan.allowedPremiumPrefixes = ["+4487", "+1900555"]
        XCTAssertNil(plan.refusal(forCallTo: try number("+448712345678")))
        XCTAssertNil(plan.refusal(forCallTo: try number("+19005551234")))
        XCTAssertEqual(plan.refusal(forCallTo: try number("+19006661234")), .costly(.premium))
        XCTAssertEqual(plan.refusal(forCallTo: try number("+449098790000")), .costly(.premium))
    }

    func testAllowPremiumMustBeE164Prefixes() throws {
        let good = try ShetphoneConfig(text: "[app]\nallow_premium = +4487 +1900\n", path: "/nonexistent/shetphone.ini")
        XCTAssertEqual(good.app.allowPremium, ["+4487", "+1900"])
        XCTAssertThrowsError(try ShetphoneConfig(text: "[app]\nallow_premium = 4487\n", path: "/nonexistent/shetphone.ini")) { error in
            XCTAssertTrue("\(error)".contains("shetphone.ini:2: [app] allow_premium: \"4487\" is not an E.164 prefix"), "\(error)")
        }
    }
}
