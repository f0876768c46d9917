import Logging
@testable import Store
import XCTest

/// The writer shell both backends share, against a target that only writes down the statements
/// it is asked to run: a batch in one transaction without savepoints, a job that throws sends its
/// batch round again with a savepoint per job so it fails alone, a fault fails its whole batch,
/// and a job that runs outside any transaction.
final class GroupCommitWriterTests: XCTestCase {
    /// Records every statement; touched by the writer thread only, read after `close()` joined it.
    final class Transcript: WriteTarget {
        var lines: [String] = []
        let beginSQL = "BEGIN TEST"
        func withConnection<T>(_ body: (Transcript) throws -> T) throws -> T { try body(self) }
        func execute(_ sql: String, on connection: Transcript) throws { lines.append(sql) }
        func isOpen(_ connection: Transcript) -> Bool { true }
        func abandon(_ connection: Transcript) { lines.append("ABANDON") }
        func storeError(_ error: Error, concern: String) -> StoreError {
            error as? StoreError ?? StoreError(.other, "test: \(concern): \(error)")
        }
    }

    private func makeWriter() -> (GroupCommitWriter<Transcript>, Transcript) {
        let target = Transcript()
        return (GroupCommitWriter(target: target, label: "test", faults: FaultLog(logger: Logger(label: "test"))), target)
    }

    /// Queues `jobs` while the writer is held inside a first job, so they form one batch.
    private func oneBatch(_ writer: GroupCommitWriter<Transcript>,
                          _ jobs: [(Transcript) throws -> Void]) -> [Result<Void, StoreError>] {
        let entered = Rendezvous<Bool>()
        let gate = Rendezvous<Bool>()
        writer.write({ _ in
            entered.fulfil(true)
            _ = gate.wait()
        }, then: { _ in })
        _ = entered.wait()
        var outcomes = [Result<Void, StoreError>?](repeating: nil, count: jobs.count)
        let done = expectation(description: "batch")
        done.expectedFulfillmentCount = jobs.count
        for (index, job) in jobs.enumerated() {
            XCTAssertTrue(writer.write({ try job($0) }, then: { outcomes[index] = $0; done.fulfill() }))
        }
        gate.fulfil(true)
        wait(for: [done], timeout: 10)
        return outcomes.compactMap { $0 }
    }

    func testAFailingJobSendsItsBatchRoundAgainWithSavepointsAndFailsAlone() throws {
        let (writer, target) = makeWriter()
        let outcomes = oneBatch(writer, [
            { $0.lines.append("job 1") },
            { _ in throw StoreError(.constraint, "job 2 breaks a rule") },
            { $0.lines.append("job 3") },
        ])
        writer.close()
        XCTAssertNoThrow(try outcomes[0].get())
        XCTAssertThrowsError(try outcomes[1].get()) { XCTAssertEqual(($0 as? StoreError)?.kind, .constraint) }
        XCTAssertNoThrow(try outcomes[2].get())
        XCTAssertEqual(target.lines, [
            "BEGIN TEST", "COMMIT",                               // the first batch: no savepoint
            "BEGIN TEST", "job 1", "ROLLBACK",                    // together, until job 2 throws
            "BEGIN TEST",                                         // again, each job in a savepoint
            "SAVEPOINT job", "job 1", "RELEASE SAVEPOINT job",
            "SAVEPOINT job", "ROLLBACK TO SAVEPOINT job", "RELEASE SAVEPOINT job",
            "SAVEPOINT job", "job 3", "RELEASE SAVEPOINT job",
            "COMMIT",
        ])
    }

    func testAFaultFailsTheWholeBatchAndTheNextBatchCommits() throws {
        let (writer, target) = makeWriter()
        let outcomes = oneBatch(writer, [
            { $0.lines.append("job 1") },
            { _ in throw StoreError(.diskFull, "disk full") },
            { $0.lines.append("job 3") },
        ])
        XCTAssertEqual(outcomes.count, 3)
        for outcome in outcomes {
            XCTAssertThrowsError(try outcome.get()) { XCTAssertEqual(($0 as? StoreError)?.kind, .diskFull) }
        }
        XCTAssertEqual(try writer.writeAndWait { _ in 42 }, 42, "writes go on after the fault")
        writer.close()
        XCTAssertEqual(target.lines, [
            "BEGIN TEST", "COMMIT",
            "BEGIN TEST", "job 1", "ABANDON",                     // job 3 never ran, nothing committed
            "BEGIN TEST", "COMMIT",
        ])
    }

    func testAJobAloneRunsOutsideAnyTransaction() throws {
        let (writer, target) = makeWriter()
        try writer.runAloneAndWait { $0.lines.append("backup") }
        writer.close()
        XCTAssertEqual(target.lines, ["backup"])
    }

    func testAClosedWriterRefusesWork() {
        let (writer, _) = makeWriter()
        writer.close()
        XCTAssertFalse(writer.write({ _ in }, then: { _ in XCTFail("a refused job is not answered") }))
        XCTAssertThrowsError(try writer.writeAndWait { _ in 1 }) { XCTAssertEqual(($0 as? StoreError)?.kind, .unavailable) }
    }
}
