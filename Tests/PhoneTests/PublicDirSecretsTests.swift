import Foundation
import XCTest
@testable import Phone
import Web

/// The server refuses a config that would let the static files hand out a secret.
final class PublicDirSecretsTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = NSTemporaryDirectory() + "public-dir-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/Public/state", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/state", withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func config(_ lines: String) throws -> ShetphoneConfig {
        try ShetphoneConfig(text: lines, path: folder + "/shetphone.ini")
    }

    func testSecretsOutsidePublicDirAreFine() throws {
        XCTAssertNoThrow(try config("[server]\npublic_dir = \(folder)/Public\n[app]\nstate_dir = state\n"))
    }

    func testConfigFileInsidePublicDirIsRefused() {
        XCTAssertThrowsError(try config("[server]\npublic_dir = \(folder)\n[app]\nstate_dir = /var/empty\n")) { error in
            XCTAssertTrue("\(error)".contains("shetphone.ini:2: [server] public_dir \(folder) contains this config file"), "\(error)")
        }
    }

    func testUsersFileAndStateDirInsidePublicDirAreRefused() {
        XCTAssertThrowsError(try config("[server]\npublic_dir = \(folder)/Public\n[app]\nhtpasswd = Public/users\n")) { error in
            XCTAssertTrue("\(error)".contains("the users file (htpasswd)"), "\(error)")
        }
        XCTAssertThrowsError(try config("[server]\npublic_dir = \(folder)/Public\n[app]\nstate_dir = Public/state\n")) { error in
            XCTAssertTrue("\(error)".contains("state_dir"), "\(error)")
        }
    }

    func testSymlinksAndDotsDoNotHideIt() throws {
        try FileManager.default.createSymbolicLink(atPath: folder + "/www", withDestinationPath: folder + "/Public")
        XCTAssertThrowsError(try config("[server]\npublic_dir = \(folder)/www/\n[app]\nhtpasswd = ./Public/../Public/.htpasswd\n"))
        XCTAssertFalse(ResolvedPath.isInside(folder + "/Publicity", folder: folder + "/Public"))
        XCTAssertTrue(ResolvedPath.isInside(folder + "/Public/new/file", folder: folder + "/www"))
    }
}

/// The demo logs anyone in with a published password: loopback only.
final class DemoListenTests: XCTestCase {
    func testDemoRefusesAddressesOffTheMachine() throws {
        var demo = ShetphoneConfig.demo()
        XCTAssertNoThrow(try demo.checkDemoIsLocal())
        for local in ["127.0.0.1:8080", "127.0.0.2:9000", "[::1]:8080", "localhost:8080"] {
            demo.server.server.listen = [try ListenAddress(parsing: local)]
            XCTAssertNoThrow(try demo.checkDemoIsLocal(), local)
        }
        for exposed in ["0.0.0.0:8080", "[::]:8080", "192.0.2.10:80", "unix:/run/shetphone.sock"] {
            demo.server.server.listen = [try ListenAddress(parsing: exposed)]
            XCTAssertThrowsError(try demo.checkDemoIsLocal(), exposed) { error in
                XCTAssertTrue("\(error)".contains("loopback only"), "\(error)")
            }
        }
    }
}
