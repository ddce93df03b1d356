import Foundation
import Journal
import Testing
import Telemetry
@testable import Workflow

/// Express sagas journal a run's start, its end and its failures; a step's success goes to the journal with
/// the next of those. These tests hold the engine to what `SagaType.express` promises: fewer records, the
/// same history after a restart, steps gone through again after a crash, and every step undone when a run
/// that a crash interrupted compensates.
@Suite struct ExpressSagaTests {
    func engine(_ dir: TemporaryDirectory, clock: ManualClock) throws -> SagaEngine {
        try SagaEngine(directory: dir.path, clock: clock, random: { 1 })
    }

    /// Steps `names`, each noting itself in `log` and undone by a note; `hang` names a step that waits on the
    /// clock for ever (a process killed during it). Every step retries an interruption, as express steps must.
    func definition(_ names: [String], log: EffectLog, clock: ManualClock, hang: String? = nil, type: SagaType = .express) -> SagaDefinition {
        let retry = [RetryPolicy(errorEquals: [SagaEngine.interruptedError], intervalSeconds: 0, maxAttempts: 3)]
        let forever: @Sendable (StepContext) async throws -> Void = { _ in try await clock.sleep(seconds: 1e9) }
        let steps = names.map { name in
            SagaStep(name, retry: retry, action: name == hang ? forever : log.step(name, clock: clock), compensation: log.undo(name))
        }
        return SagaDefinition(name: "s", steps: steps, type: type)
    }

    func records(_ sagas: SagaEngine) -> Int { sagas.journalStats?.recordsWritten ?? -1 }

    /// The run as a restart reads it: its state, its steps' states and attempts, and its history's events (their
    /// times aside: the journal keeps milliseconds).
    func shape(_ run: SagaRun?) -> [String] {
        guard let run else { return [] }
        return [run.state.rawValue] + run.steps.map { "\($0.name) \($0.state.rawValue) \($0.attempts)/\($0.compensationAttempts)" }
            + run.history.map { "\($0.type) \($0.step ?? "-") \($0.detail ?? "")" }
    }

    @Test func aRunThatSucceedsJournalsItsStartAndItsEndAndReplaysTheSame() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        try sagas.register(definition(["a", "b", "c", "d"], log: log, clock: clock))
        let before = records(sagas)
        let run = try await sagas.waitForRun(try await sagas.start("s"))
        #expect(run.state == .succeeded)
        #expect(records(sagas) - before == 2, "a start and an end, where a standard run writes five")
        #expect(log.all.map { $0.components(separatedBy: "@")[0] } == ["a#1", "b#1", "c#1", "d#1"])
        await sagas.close()
        let reopened = try engine(dir, clock: clock)
        #expect(shape(reopened.run(run.runID)) == shape(run))
        await reopened.close()
    }

    @Test func aFailureCarriesTheSuccessesBeforeItAndOnlyTheCompletedStepsAreUndone() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        try sagas.register(definition(["a", "b", "c", "d"], log: log, clock: clock))
        log.fail("c", times: 1)
        let run = try await sagas.waitForRun(try await sagas.start("s"))
        #expect(run.state == .compensated)
        #expect(log.all.filter { $0.hasPrefix("undo") } == ["undo b", "undo a"], "never interrupted: the steps after the failure never ran")
        await sagas.close()
        let reopened = try engine(dir, clock: clock)
        #expect(shape(reopened.run(run.runID)) == shape(run))
        await reopened.close()
    }

    /// Starts a run whose step `hang` never returns and closes the engine while it waits: a process killed
    /// there, after the steps before it succeeded without a record.
    func interrupted(_ dir: TemporaryDirectory, clock: ManualClock, log: EffectLog, steps: [String], hang: String,
                     type: SagaType = .express) async throws -> String {
        let sagas = try engine(dir, clock: clock)
        try sagas.register(definition(steps, log: log, clock: clock, hang: hang, type: type))
        let id = try await sagas.start("s")
        let index = steps.firstIndex(of: hang)!
        while sagas.run(id)?.steps[index].state != .running || clock.sleeperCount == 0 { await Task.yield() }
        await sagas.close()
        return id
    }

    @Test func aRunInterruptedAfterStepsSucceededGoesThroughThemAgain() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let id = try await interrupted(dir, clock: clock, log: log, steps: ["a", "b", "c"], hang: "c")
        let sagas = try engine(dir, clock: clock)
        // The journal holds the start only: the first step entered, nothing after it.
        #expect(sagas.run(id)?.steps.map(\.state) == [.running, .pending, .pending])
        try sagas.register(definition(["a", "b", "c"], log: log, clock: clock))
        #expect(sagas.resumeInterrupted() == [id])
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .succeeded)
        #expect(log.all.map { $0.components(separatedBy: "@")[0] } == ["a#1", "b#1", "a#2", "b#1", "c#1"])
        await sagas.close()
    }

    @Test func anInterruptedRunThatCompensatesUndoesEveryStep() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let id = try await interrupted(dir, clock: clock, log: log, steps: ["a", "b", "c", "d"], hang: "c")
        let sagas = try engine(dir, clock: clock)
        try sagas.register(definition(["a", "b", "c", "d"], log: log, clock: clock))
        // b fails for good when it runs again: c had been entered and may have done its work before the crash,
        // which the journal cannot tell, so c and d are undone too.
        log.fail("b", times: 3)
        sagas.resumeInterrupted()
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .compensated)
        #expect(log.all.filter { $0.hasPrefix("undo") } == ["undo d", "undo c", "undo b", "undo a"])
        await sagas.close()
    }

    @Test func aStandardRunThatCompensatesAfterAnInterruptionUndoesOnlyWhatCompleted() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let id = try await interrupted(dir, clock: clock, log: log, steps: ["a", "b", "c"], hang: "b", type: .standard)
        let reopened = try engine(dir, clock: clock)
        try reopened.register(definition(["a", "b", "c"], log: log, clock: clock, type: .standard))
        log.fail("b", times: 3)
        reopened.resumeInterrupted()
        let run = try await reopened.waitForRun(id)
        #expect(run.state == .compensated)
        #expect(log.all.filter { $0.hasPrefix("undo") } == ["undo a"])
        await reopened.close()
    }

    /// A snapshot copies the engine's state, successes not yet journaled included; the record that later
    /// carries them must not add them a second time when replayed on top of it.
    @Test func aSnapshotTakenMidRunReplaysTheRunOnce() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        let slow: @Sendable (StepContext) async throws -> Void = { _ in try await clock.sleep(seconds: 5) }
        try sagas.register(SagaDefinition(name: "s", steps: [
            SagaStep("a", action: log.step("a", clock: clock)), SagaStep("b", action: slow), SagaStep("c", action: log.step("c", clock: clock)),
        ], type: .express))
        let id = try await sagas.start("s")
        while sagas.run(id)?.steps[1].state != .running || clock.sleeperCount == 0 { await Task.yield() }
        guard case .journal(let journal) = sagas.persistence else { Issue.record("no journal"); return }
        let written = try await journal.snapshot(of: sagas.state, appliedLSN: \.appliedLSN) { copy, writer throws(JournalError) in
            var w = ByteWriter()
            SagaCodec.writeSnapshot(copy, to: &w)
            try writer.write(w.bytes)
        }
        #expect(written)
        clock.advance(by: 5)
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .succeeded)
        await sagas.close()
        let reopened = try engine(dir, clock: clock)
        #expect(reopened.recoveryReport?.snapshotLSN != nil)
        #expect(shape(reopened.run(id)) == shape(run))
        await reopened.close()
    }

    @Test func aBatchSurvivesItsCodecAndNoBatchNests() throws {
        let at: Int64 = 1_700_000_000_000
        let batch = SagaRecord.batch([.advanced(runID: "r", step: 0, next: 1, attempt: 1, atMillis: at),
                                      .attemptFailed(runID: "r", step: 1, attempt: 1, error: "E", retryAtMillis: nil, atMillis: at + 1)])
        let bytes = SagaCodec.encode(batch)
        let decoded = try bytes.withUnsafeBytes { raw in try SagaCodec.decode(raw) }
        #expect(SagaCodec.encode(decoded) == bytes)
        #expect(decoded.runID == "r")
        let nested = SagaCodec.encode(.batch([batch]))
        #expect(throws: DecodingError.self) { try nested.withUnsafeBytes { raw in try SagaCodec.decode(raw) } }
        let twoRuns = SagaCodec.encode(.batch([.succeeded(runID: "r", step: 0, atMillis: at), .succeeded(runID: "q", step: 0, atMillis: at)]))
        #expect(throws: DecodingError.self) { try twoRuns.withUnsafeBytes { raw in try SagaCodec.decode(raw) } }
        #expect(throws: DecodingError.self) { try [13, 0].withUnsafeBytes { raw in try SagaCodec.decode(raw) } }
    }
}
