import Foundation
import Testing
import Telemetry
@testable import Workflow

/// A run a catch rule held `failed` (Step Functions' failed execution): an operator redrives it from its failed
/// step or abandons it, which undoes what it completed; either survives a reopen of the journal.
@Suite struct HeldRunTests {
    func engine(_ dir: TemporaryDirectory, clock: ManualClock) throws -> SagaEngine {
        try SagaEngine(directory: dir.path, clock: clock, random: { 1 })
    }

    /// reserve → pay (held on any failure) → confirm, each undoable.
    func held(_ log: EffectLog, clock: ManualClock) -> SagaDefinition {
        SagaDefinition(name: "pipeline", steps: [
            SagaStep("reserve", action: log.step("reserve", clock: clock), compensation: log.undo("reserve")),
            SagaStep("pay", catchRules: [CatchRule(errorEquals: ["*"], action: .fail)], action: log.step("pay", clock: clock), compensation: log.undo("pay")),
            SagaStep("confirm", action: log.step("confirm", clock: clock), compensation: log.undo("confirm")),
        ])
    }

    @Test func abandoningAHeldRunUndoesWhatItCompletedInReverseAndEndsCompensated() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        var sagas = try engine(dir, clock: clock)
        try sagas.register(held(log, clock: clock))
        log.fail("pay", times: 1)
        let id = try await sagas.start("pipeline")
        #expect(try await sagas.waitForRun(id).state == .failed)
        #expect(!log.all.contains { $0.hasPrefix("undo") }, "held, not compensated")
        // The decision survives a restart: the held run is still there to abandon.
        await sagas.close()
        sagas = try engine(dir, clock: clock)
        try sagas.register(held(log, clock: clock))
        await #expect(throws: WorkflowError.runNotFound("nope")) { try await sagas.abandon("nope") }
        try await sagas.abandon(id)
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .compensated && run.endedAt != nil)
        #expect(log.all.filter { $0.hasPrefix("undo") } == ["undo reserve"], "only what completed is undone; the failed step is not")
        #expect(run.history.contains { $0.type == "compensationStarted" && $0.detail?.contains("abandoned") == true })
        await #expect(throws: WorkflowError.invalidRunState(runID: id, state: "compensated", wanted: "failed")) { try await sagas.redrive(id) }
        await #expect(throws: WorkflowError.self) { try await sagas.abandon(id) }
        await sagas.close()
        #expect(try engine(dir, clock: clock).run(id)?.state == .compensated, "replayed from the journal alike")
    }

    @Test func aRedriveClearsAnInjectedFailureAndDoesNotRepeatCompletedSteps() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        try sagas.register(held(log, clock: clock))
        let id = try await sagas.start("pipeline", failAt: "pay")
        #expect(try await sagas.waitForRun(id).state == .failed)
        try await sagas.redrive(id)
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .succeeded, "the injected failure was the demo's outage; the redrive says it is over")
        #expect(log.all.map { $0.components(separatedBy: "#")[0] } == ["reserve", "pay", "confirm"], "reserve ran once")
        #expect(run.failAt == nil)
        await sagas.close()
    }

    @Test func aRunWhoseCompensationFailedIsRedrivenNotAbandoned() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        try sagas.register(SagaDefinition(name: "s", steps: [
            SagaStep("a", action: log.step("a", clock: clock), compensation: { _ in throw WorkflowFailure("Unavailable") }),
            SagaStep("b", action: log.step("b", clock: clock)),
        ], compensationRetry: RetryPolicy(intervalSeconds: 0, maxAttempts: 1)))
        log.fail("b", times: 1)
        let id = try await sagas.start("s")
        #expect(try await sagas.waitForRun(id).state == .failed)
        await #expect(throws: WorkflowError.invalidRunState(runID: id, state: "failed", wanted: "failed at a step (a failed compensation is redriven)")) {
            try await sagas.abandon(id)
        }
        await sagas.close()
    }

    /// Per-step time for the run view: each attempt from its entry to its end, on the injected clock.
    @Test func timeSpentInAStepAddsItsAttempts() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let sagas = try engine(dir, clock: clock)
        let attempts = EffectLog()
        try sagas.register(SagaDefinition(name: "slow", steps: [
            SagaStep("wait", retry: [RetryPolicy(errorEquals: ["Declined"], intervalSeconds: 10, backoffRate: 1, maxAttempts: 2)], action: { context in
                try await clock.sleep(seconds: 3)
                attempts.note("wait#\(context.attempt)")
                if context.attempt == 1 { throw WorkflowFailure("Declined") }
            }),
        ]))
        let id = try await sagas.start("slow")
        // Attempt 1 takes 3 s, the retry waits 10 s (not counted), attempt 2 takes 3 s.
        for delay in [3.0, 10.0, 3.0] {
            while clock.sleeperCount == 0 { await Task.yield() }
            if delay == 3.0, let run = sagas.run(id), run.steps[0].state == .running {
                #expect(run.secondsSpent(inStep: "wait", now: clock.now().addingTimeInterval(1)) ?? 0 >= 1, "an attempt under way counts")
            }
            clock.advance(by: delay)
        }
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .succeeded && run.steps[0].attempts == 2)
        #expect(run.secondsSpent(inStep: "wait", now: clock.now()) == 6)
        #expect(run.secondsSpent(inStep: "nowhere", now: clock.now()) == nil)
        await sagas.close()
    }
}
