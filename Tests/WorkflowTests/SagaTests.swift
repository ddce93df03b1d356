import Foundation
import Synchronization
import Testing
import Telemetry
@testable import Workflow

/// What the test steps did, in order, and how each step should behave.
final class EffectLog: Sendable {
    private let entries = Mutex<[String]>([])
    private let failures = Mutex<[String: Int]>([:])

    var all: [String] { entries.withLock { $0 } }

    /// Makes `step` fail its next `times` attempts.
    func fail(_ step: String, times: Int) { failures.withLock { $0[step] = times } }

    func note(_ entry: String) { entries.withLock { $0.append(entry) } }

    func step(_ name: String, clock: any WallClock) -> @Sendable (StepContext) async throws -> Void {
        { context in
            let fail = self.failures.withLock { f -> Bool in
                guard let left = f[name], left > 0 else { return false }
                f[name] = left - 1
                return true
            }
            self.note("\(name)#\(context.attempt)@\(Int(clock.now().timeIntervalSince1970))")
            if fail { throw WorkflowFailure("Declined", cause: "\(name) refused") }
        }
    }

    func undo(_ name: String) -> @Sendable (StepContext) async throws -> Void {
        { _ in self.note("undo \(name)") }
    }
}

@Suite struct SagaTests {
    func engine(_ dir: TemporaryDirectory, clock: ManualClock) throws -> SagaEngine {
        try SagaEngine(directory: dir.path, clock: clock, random: { 1 })
    }

    func checkout(_ log: EffectLog, clock: ManualClock, payRetry: [RetryPolicy] = [], payCatch: [CatchRule] = []) -> SagaDefinition {
        SagaDefinition(name: "checkout", steps: [
            SagaStep("reserve", action: log.step("reserve", clock: clock), compensation: log.undo("reserve")),
            SagaStep("pay", retry: payRetry, catchRules: payCatch, action: log.step("pay", clock: clock), compensation: log.undo("pay")),
            SagaStep("confirm", action: log.step("confirm", clock: clock)),
        ])
    }

    @Test func stepsRunInOrderAndTheRunSucceeds() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        try sagas.register(checkout(log, clock: clock))
        let id = try await sagas.start("checkout", input: ["order": "o1"])
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .succeeded)
        #expect(log.all.map { $0.components(separatedBy: "#")[0] } == ["reserve", "pay", "confirm"])
        #expect(run.steps.map(\.state) == [.succeeded, .succeeded, .succeeded])
        #expect(run.history.map(\.type) == ["runStarted", "stepEntered", "stepSucceeded", "stepEntered", "stepSucceeded",
                                            "stepEntered", "stepSucceeded", "runSucceeded"])
        #expect(run.input == ["order": "o1"] && run.endedAt != nil)
        // Four durable records for three steps: the start enters the first step, and each success enters the next.
        #expect(sagas.journalStats?.lastLSN == 4)
        await sagas.close()
        // The journal (a step's success and the next step's entry share a record) replays to the same run.
        let reopened = try engine(dir, clock: clock)
        #expect(reopened.run(id)?.history.map(\.type) == run.history.map(\.type))
        #expect(reopened.run(id)?.steps.map(\.state) == run.steps.map(\.state))
        #expect(reopened.run(id)?.state == .succeeded)
        await reopened.close()
    }

    @Test func aFailedStepCompensatesTheCompletedOnesInReverseOrder() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        let definition = SagaDefinition(name: "four", steps: [
            SagaStep("a", action: log.step("a", clock: clock), compensation: log.undo("a")),
            SagaStep("b", action: log.step("b", clock: clock)),
            SagaStep("c", action: log.step("c", clock: clock), compensation: log.undo("c")),
            SagaStep("d", action: log.step("d", clock: clock), compensation: log.undo("d")),
        ])
        try sagas.register(definition)
        log.fail("d", times: 1)
        let run = try await sagas.waitForRun(try await sagas.start("four"))
        #expect(run.state == .compensated)
        #expect(log.all.filter { $0.hasPrefix("undo") } == ["undo c", "undo a"], "d never completed; b has nothing to undo")
        #expect(run.steps.map(\.state) == [.compensated, .compensated, .compensated, .failed])
        #expect(run.history.contains { $0.type == "compensationStarted" && $0.detail?.contains("Declined") == true })
        await sagas.close()
    }

    @Test func retriesWaitIntervalTimesRateToTheNCapped() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        try sagas.register(checkout(log, clock: clock, payRetry: [RetryPolicy(errorEquals: ["Declined"], intervalSeconds: 2, backoffRate: 3,
                                                                              maxAttempts: 4, maxDelaySeconds: 10)]))
        log.fail("pay", times: 3)
        let start = Int(clock.now().timeIntervalSince1970)
        let id = try await sagas.start("checkout")
        for delay in [2.0, 6.0, 10.0] {
            while clock.sleeperCount == 0 { await Task.yield() }
            clock.advance(by: delay)
        }
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .succeeded)
        #expect(log.all.filter { $0.hasPrefix("pay") } == ["pay#1@\(start)", "pay#2@\(start + 2)", "pay#3@\(start + 8)", "pay#4@\(start + 18)"])
        #expect(run.steps[1].attempts == 4)
        await sagas.close()
    }

    @Test func aCatchRuleCanFailTheRunAndRedriveResumesAtTheFailedStep() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        try sagas.register(checkout(log, clock: clock, payCatch: [CatchRule(errorEquals: ["Declined"], action: .fail)]))
        log.fail("pay", times: 1)
        let id = try await sagas.start("checkout")
        #expect(try await sagas.waitForRun(id).state == .failed)
        #expect(log.all.filter { $0.hasPrefix("undo") }.isEmpty)
        await #expect(throws: WorkflowError.runNotFound("nope")) { try await sagas.redrive("nope") }
        try await sagas.redrive(id)
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .succeeded)
        #expect(log.all.map { $0.components(separatedBy: "#")[0] } == ["reserve", "pay", "pay", "confirm"], "reserve is not run again")
        #expect(run.history.contains { $0.type == "runRedriven" })
        await #expect(throws: WorkflowError.invalidRunState(runID: id, state: "succeeded", wanted: "failed")) { try await sagas.redrive(id) }
        await sagas.close()
    }

    @Test func anInjectedFailureCompensates() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        try sagas.register(checkout(log, clock: clock))
        let run = try await sagas.waitForRun(try await sagas.start("checkout", failAt: "confirm"))
        #expect(run.state == .compensated)
        #expect(log.all.filter { $0.hasPrefix("undo") } == ["undo pay", "undo reserve"])
        #expect(run.steps[2].error?.contains("InjectedFault") == true)
        await #expect(throws: WorkflowError.self) { try await sagas.start("checkout", failAt: "nonexistent") }
        await #expect(throws: WorkflowError.sagaNotFound("unknown")) { try await sagas.start("unknown") }
        await sagas.close()
    }

    /// Starts a run of `steps` whose step at `hangingAt` never returns, and closes the engine once that step
    /// is running — a process killed in the middle of it. The other steps note themselves in `log`.
    func interruptedRun(_ dir: TemporaryDirectory, clock: ManualClock, log: EffectLog, steps: [String], hangingAt: Int) async throws -> String {
        let sagas = try engine(dir, clock: clock)
        let hang: @Sendable (StepContext) async throws -> Void = { _ in try await clock.sleep(seconds: 1e9) }
        var definition: [SagaStep] = []
        for (index, name) in steps.enumerated() { definition.append(SagaStep(name, action: index == hangingAt ? hang : log.step(name, clock: clock))) }
        try sagas.register(SagaDefinition(name: "checkout", steps: definition))
        let id = try await sagas.start("checkout")
        while sagas.run(id)?.steps[hangingAt].state != .running || clock.sleeperCount == 0 { await Task.yield() }
        await sagas.close()
        return id
    }

    @Test func aRunInterruptedMidStepResumesWithoutRepeatingCompletedSteps() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let id = try await interruptedRun(dir, clock: clock, log: log, steps: ["reserve", "pay", "confirm"], hangingAt: 1)
        let sagas = try engine(dir, clock: clock)
        #expect(sagas.run(id)?.state == .running)
        try sagas.register(checkout(log, clock: clock, payRetry: [RetryPolicy(errorEquals: [SagaEngine.interruptedError], intervalSeconds: 0, maxAttempts: 2)]))
        #expect(sagas.resumeInterrupted() == [id])
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .succeeded)
        #expect(log.all.filter { $0.hasPrefix("reserve") }.count == 1, "a completed step never runs again")
        #expect(run.steps[1].attempts == 2)
        #expect(run.history.contains { $0.type == "attemptFailed" && $0.detail?.contains("Interrupted") == true })
        await sagas.close()
    }

    /// The start's record enters the first step, so a process stopped during that step leaves it entered and
    /// unfinished: the resumed run counts the attempt as interrupted and tries again, as for any later step.
    @Test func aRunInterruptedInItsFirstStepResumesWithASecondAttempt() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let id = try await interruptedRun(dir, clock: clock, log: log, steps: ["reserve", "pay"], hangingAt: 0)
        let sagas = try engine(dir, clock: clock)
        #expect(sagas.run(id)?.steps[0].attempts == 1)
        #expect(sagas.run(id)?.steps[0].state == .running)
        try sagas.register(SagaDefinition(name: "checkout", steps: [
            SagaStep("reserve", retry: [RetryPolicy(errorEquals: [SagaEngine.interruptedError], intervalSeconds: 0, maxAttempts: 2)],
                     action: log.step("reserve", clock: clock)),
            SagaStep("pay", action: log.step("pay", clock: clock)),
        ]))
        #expect(sagas.resumeInterrupted() == [id])
        let run = try await sagas.waitForRun(id)
        #expect(run.state == .succeeded)
        #expect(run.steps[0].attempts == 2)
        #expect(log.all.map { $0.components(separatedBy: "@")[0] } == ["reserve#2", "pay#1"])
        await sagas.close()
    }

    /// A journal written before the start entered the first step holds a plain start and then an entry;
    /// it replays to the same run as the one record that does both, and each record survives its codec.
    @Test func aStartThenAnEntryReplaysLikeTheStartThatEnters() throws {
        let at: Int64 = 1_700_000_000_000
        func started(_ entering: Bool) -> SagaRecord {
            .started(runID: "r", saga: "s", steps: ["a", "b"], input: ["k": "v"], failAt: nil, atMillis: at, entering: entering)
        }
        var old = SagaState()
        for record in [started(false), .entered(runID: "r", step: 0, attempt: 1, atMillis: at)] {
            let bytes = SagaCodec.encode(record)
            old.apply(try bytes.withUnsafeBytes { raw in try SagaCodec.decode(raw) }, lsn: 1)
        }
        var new = SagaState()
        let bytes = SagaCodec.encode(started(true))
        #expect(bytes.first == 12 && SagaCodec.encode(started(false)).first == 1)
        new.apply(try bytes.withUnsafeBytes { raw in try SagaCodec.decode(raw) }, lsn: 1)
        #expect(new.runs["r"]?.steps == old.runs["r"]?.steps)
        #expect(new.runs["r"]?.history.map(\.type) == old.runs["r"]?.history.map(\.type))
        #expect(new.runs["r"]?.steps[0].state == .running)
    }

    @Test func aCompensationThatKeepsFailingLeavesTheRunFailedAndRedriveFinishesIt() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        let sagas = try engine(dir, clock: clock)
        let undoFailures = Mutex(3)
        try sagas.register(SagaDefinition(name: "s", steps: [
            SagaStep("a", action: log.step("a", clock: clock), compensation: { _ in
                if undoFailures.withLock({ left in defer { left -= 1 }; return left > 0 }) { throw WorkflowFailure("Unavailable") }
                log.note("undo a")
            }),
            SagaStep("b", action: log.step("b", clock: clock)),
        ], compensationRetry: RetryPolicy(intervalSeconds: 0, maxAttempts: 2)))
        log.fail("b", times: 1)
        let id = try await sagas.start("s")
        var run = try await sagas.waitForRun(id)
        #expect(run.state == .failed && run.steps[0].compensationAttempts == 2)
        // One failure is left: the redriven compensation fails once more, then succeeds on its retry.
        try await sagas.redrive(id)
        run = try await sagas.waitForRun(id)
        #expect(run.state == .compensated)
        #expect(run.steps[0].compensationAttempts == 2)
        #expect(log.all.filter { $0 == "undo a" }.count == 1)
        #expect(sagas.runs(saga: "s", state: .compensated).map(\.runID) == [id])
        await sagas.close()
        // The whole history survives a restart.
        let reopened = try engine(dir, clock: clock)
        #expect(reopened.run(id)?.state == .compensated)
        #expect(reopened.run(id)?.history.count == run.history.count)
        await reopened.close()
    }
}

/// Issue 16: the sagas journal dropped damaged records silently, as the store's did. Now damage with
/// records behind it refuses to open; a repair keeps the rest and every run stays whole or marked.
@Suite struct SagaJournalDamageTests {
    @Test func aDamagedRecordInTheMiddleRefusesToOpenTheEngine() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let log = EffectLog()
        do {
            let sagas = try SagaEngine(directory: dir.path, clock: clock, random: { 1 })
            try sagas.register(SagaTests().checkout(log, clock: clock))
            for index in 0..<6 { _ = try await sagas.waitForRun(try await sagas.start("checkout", input: ["order": "o\(index)"])) }
            await sagas.close()
        }
        // Inside the first record of the first segment: every later record reads back.
        let segment = dir.path + "/" + (try #require(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix("segment-") }.sorted().first))
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: segment)))
        bytes[16 + 20] ^= 0x10
        #expect(FileManager.default.createFile(atPath: segment, contents: Data(bytes)))
        #expect {
            try SagaEngine(directory: dir.path, clock: clock, random: { 1 })
        } throws: { error in
            guard case .journal(.damaged(let damage)) = error as? WorkflowError else { return false }
            return damage.firstUnreadableLSN == 1 && damage.nextReadableLSN == 2
        }
    }
}
