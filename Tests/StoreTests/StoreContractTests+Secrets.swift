import Foundation
import Store
import XCTest

/// The shared secrets part of the store contract (each backend's subclass runs it): a secret is
/// stored once, by whoever asks first, and every store on the database reads that one.
extension StoreContractTests {
    func checkASecretIsStoredOnceAndOutlivesReopening() throws {
        let store = try openStore()
        let key: [UInt8] = [0, 1, 2, 255, 0, 128] + Array(repeating: 7, count: 26)
        XCTAssertEqual(try store.secrets.secretNow(named: "device-cookie-key", storingIfAbsent: key), key, "the first caller's bytes")
        XCTAssertEqual(try store.secrets.secretNow(named: "device-cookie-key", storingIfAbsent: [9, 9]), key,
                       "a later caller gets the stored secret, not its own")
        XCTAssertEqual(try store.secrets.secretNow(named: "another", storingIfAbsent: [42]), [42], "names are apart")
        store.close()
        let reopened = try openStore()
        defer { reopened.close() }
        XCTAssertEqual(try reopened.secrets.secretNow(named: "device-cookie-key", storingIfAbsent: [1]), key)
        XCTAssertEqual(try reopened.secrets.secretNow(named: "another", storingIfAbsent: [1]), [42])
    }

    func checkStoresStartingTogetherAllGetTheFirstSecret() throws {
        let count = 4
        let stores = try (0..<count).map { _ in try openStore() }
        defer { stores.forEach { $0.close() } }
        let answers = SecretAnswers(count: count)
        let start = DispatchGroup()
        start.enter()
        DispatchQueue.concurrentPerform(iterations: count) { index in
            if index == 0 { start.leave() }
            start.wait()
            let candidate = [UInt8](repeating: UInt8(index + 1), count: 32)
            answers.set(index, Result { try stores[index].secrets.secretNow(named: "raced", storingIfAbsent: candidate) })
        }
        let got = try answers.all()
        XCTAssertEqual(Set(got).count, 1, "every store got the same secret: \(got)")
        let winner = try XCTUnwrap(got.first)
        XCTAssertTrue((1...count).contains { winner == [UInt8](repeating: UInt8($0), count: 32) }, "the winner is one of the candidates")
        let later = try openStore()
        defer { later.close() }
        XCTAssertEqual(try later.secrets.secretNow(named: "raced", storingIfAbsent: [0]), winner)
    }
}

/// What each racing store answered.
final class SecretAnswers: @unchecked Sendable {
    private let lock = NSLock()
    private var answers: [Result<[UInt8], Error>?]

    init(count: Int) { answers = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ answer: Result<[UInt8], Error>) {
        lock.lock()
        answers[index] = answer
        lock.unlock()
    }

    func all() throws -> [[UInt8]] {
        lock.lock()
        defer { lock.unlock() }
        return try answers.map { try XCTUnwrap($0).get() }
    }
}
