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
