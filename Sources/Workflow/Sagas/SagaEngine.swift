import Foundation
import Journal
import Synchronization
import Telemetry

/// Runs sagas (Step Functions in the original design): steps in order, each retried by its policy; when a
/// step fails for good, the completed steps are compensated in reverse order, each exactly once. Every
/// transition is journaled before its effect is acknowledged, so after a crash runs resume where they
/// were: a completed step never runs again, an interrupted one is retried (as the error `Interrupted`) or
/// compensated according to its policy.
public final class SagaEngine: Sendable {
    typealias Decision<Result: Sendable> = JournalDecision<SagaRecord, Result, WorkflowError>

    /// The error name a step interrupted by a crash is retried or caught under.
    public static let interruptedError = "Interrupted"
    /// How many ended runs of each saga stay listed unless the engine is opened with another number.
    public static let defaultRetainedRunsPerSaga = 1_000

    /// Where transitions go before they take effect: this process's journal, or a store shared by instances.
    enum Persistence: Sendable {
        case journal(Journal)
        case shared(SharedSagaRuns)
    }

    let persistence: Persistence
    let state: LockedState<SagaState>
    let clock: any WallClock
    private let random: @Sendable () -> Double
    let definitions = Mutex<[String: SagaDefinition]>([:])
    let executions = Mutex<[String: Task<Void, Never>]>([:])
    private let finished = WakeSignal()
    let lifecycle = ComponentLifecycle()

    /// Opens the engine's journal in `directory`. Register the sagas, then call `resumeInterrupted()`. Of
    /// each saga the newest `retainedRunsPerSaga` runs that ended (succeeded or compensated) stay listed;
    /// failed runs stay until redriven.
    public init(directory: String, clock: any WallClock = SystemClock(), options: JournalOptions = JournalOptions(),
                retainedRunsPerSaga: Int = SagaEngine.defaultRetainedRunsPerSaga,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) throws(WorkflowError) {
        self.clock = clock
        self.random = random
        let retained = max(1, retainedRunsPerSaga)
        var recovered = SagaState()
        recovered.retainedRunsPerSaga = retained
        let journal: Journal
        do throws(JournalError) {
            journal = try Journal(directory: directory, options: options,
                                  restoreSnapshot: {
                                      recovered = try SagaCodec.readSnapshot($0)
                                      recovered.retainedRunsPerSaga = retained
                                  },
                                  replay: { lsn, payload in recovered.apply(try SagaCodec.decode(payload), lsn: lsn) })
        } catch {
            throw .journal(error)
        }
        recovered.appliedLSN = max(recovered.appliedLSN, journal.recoveryReport.lastLSN)
        persistence = .journal(journal)
        state = LockedState(recovered)
    }

    /// An engine whose runs live in `shared`, one of several instances' engines on the same runs: each
    /// lists the runs it started, took over or was asked about (the newest `retainedRunsPerSaga` ended ones
    /// of each saga). Register the sagas, then call `adoptAbandonedRuns()` now and then.
    public init(shared: SharedSagaRuns, clock: any WallClock = SystemClock(), retainedRunsPerSaga: Int = SagaEngine.defaultRetainedRunsPerSaga,
                random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) {
        self.clock = clock
        self.random = random
        var empty = SagaState()
        empty.retainedRunsPerSaga = max(1, retainedRunsPerSaga)
        persistence = .shared(shared)
        state = LockedState(empty)
    }

    /// What recovery found when the engine opened its journal (nil when the runs live in a shared store).
    public var recoveryReport: RecoveryReport? {
        if case .journal(let journal) = persistence { return journal.recoveryReport }
        return nil
    }

    /// The registered sagas' names, sorted.
    public var registeredSagas: [String] { definitions.withLock { $0.keys.sorted() } }

    /// The step names of a registered saga.
    public func steps(of saga: String) -> [String]? {
        definitions.withLock { $0[saga]?.steps.map(\.name) }
    }

    /// Makes a saga startable (and resumable) by name.
    public func register(_ definition: SagaDefinition) throws(WorkflowError) {
        try definition.validate()
        definitions.withLock { $0[definition.name] = definition }
    }

    func record(_ record: SagaRecord) async throws(WorkflowError) {
        guard !lifecycle.isClosed else { throw .closed }
        switch persistence {
        case .journal(let journal):
            _ = try await journal.perform(on: state, decide: { (s) throws(WorkflowError) -> Decision<Void> in
                // An express run's successes since its last record go with this one, in the same durable write.
                guard let deferred = s.unjournaled.removeValue(forKey: record.runID) else { return .commit(record, ()) }
                return .commit(.batch(deferred + [record]), ())
            },
                                          encode: SagaCodec.encode, apply: { s, record, lsn in s.apply(record, lsn: lsn); return true },
                                          journalError: { $0 == .closed ? .closed : .journal($0) })
        case .shared(let shared):
            try await recordShared(record, shared)
        }
    }

    /// Takes an express run's step success into effect here without journaling it: the run's next record
    /// carries it (in a shared store, the next save writes the whole run anyway).
    private func recordLater(_ record: SagaRecord) {
        let journaled = if case .journal = persistence { true } else { false }
        state.withLock { s in
            s.apply(record, lsn: s.appliedLSN)
            if journaled { s.unjournaled[record.runID, default: []].append(record) }
        }
    }

    var nowMillis: Int64 { Int64((clock.now().timeIntervalSince1970 * 1000).rounded(.down)) }

    // MARK: Runs

    /// Starts a run and returns its id once the start is durable; the steps run in the background.
    /// `failAt` names a step that will fail on purpose (for demos and tests).
    public func start(_ saga: String, input: [String: String] = [:], failAt: String? = nil, runID: String? = nil) async throws(WorkflowError) -> String {
        guard let definition = definitions.withLock({ $0[saga] }) else { throw .sagaNotFound(saga) }
        if let failAt, !definition.steps.contains(where: { $0.name == failAt }) {
            throw .validation("saga \"\(saga)\" has no step \"\(failAt)\" to fail at (steps: \(definition.steps.map(\.name).joined(separator: ", ")))")
        }
        let id = runID ?? UUID().uuidString.lowercased()
        let started = SagaRecord.started(runID: id, saga: saga, steps: definition.steps.map(\.name), input: input, failAt: failAt, atMillis: nowMillis,
                                         entering: true)
        guard !lifecycle.isClosed else { throw .closed }
        switch persistence {
        case .journal(let journal):
            // The id is checked under the same lock that records the start, so two starts with one id cannot both win.
            _ = try await journal.perform(on: state, decide: { (s) throws(WorkflowError) -> Decision<Void> in
                guard s.runs[id] == nil else { throw .runAlreadyExists(id) }
                return .commit(started, ())
            }, encode: SagaCodec.encode, apply: { s, record, lsn in s.apply(record, lsn: lsn); return true },
               journalError: { $0 == .closed ? .closed : .journal($0) })
        case .shared(let shared):
            // The store's conditional create decides between instances starting one id.
            try await startShared(started, shared)
        }
        launch(id, definition, entered: (0, 1))
        return id
    }

    /// Restarts the execution of every run a crash or shutdown left running or compensating.
    @discardableResult
    public func resumeInterrupted() -> [String] {
        let open = state.withLock { s in s.order.compactMap { s.runs[$0] }.filter { !$0.state.isTerminal } }
        var resumed: [String] = []
        for run in open {
            guard let definition = definitions.withLock({ $0[run.saga] }) else { continue }
            launch(run.runID, definition)
            resumed.append(run.runID)
        }
        return resumed
    }

    /// Restarts a failed run from where it failed: the failed step again (fresh attempts), or the
    /// compensation that failed. A failure injected on purpose does not happen again: redriving is the
    /// operator saying the cause is fixed.
    public func redrive(_ runID: String) async throws(WorkflowError) {
        try await resumeFailed(runID, .redriven(runID: runID, atMillis: nowMillis), wanted: "failed") { $0.state == .failed }
    }

    /// Gives up on a run that failed at a step and was held for a redrive: the steps it completed are undone
    /// in reverse order, as if the failure had been caught by compensation, and the run ends `compensated`.
    /// (A run whose compensation failed is redriven instead, which resumes compensating.)
    public func abandon(_ runID: String) async throws(WorkflowError) {
        try await resumeFailed(runID, .compensationStarted(runID: runID, reason: "abandoned by an operator after it failed", atMillis: nowMillis),
                               wanted: "failed at a step (a failed compensation is redriven)") { $0.state == .failed && !$0.failedWhileCompensating }
    }

    /// Records `record` for a run `allowed` accepts — checked under the lock that records it, so two operators
    /// redriving or abandoning one run cannot both go ahead — and executes the run again.
    private func resumeFailed(_ runID: String, _ record: SagaRecord, wanted: String,
                              allowed: @escaping @Sendable (SagaRun) -> Bool) async throws(WorkflowError) {
        func check(_ run: SagaRun?) throws(WorkflowError) -> SagaRun {
            guard let run else { throw .runNotFound(runID) }
            guard allowed(run) else { throw .invalidRunState(runID: runID, state: run.state.rawValue, wanted: wanted) }
            return run
        }
        let run: SagaRun
        switch persistence {
        case .journal(let journal):
            guard !lifecycle.isClosed else { throw .closed }
            run = try await journal.perform(on: state, decide: { (s) throws(WorkflowError) -> Decision<SagaRun> in
                .commit(record, try check(s.runs[runID]))
            }, encode: SagaCodec.encode, apply: { s, record, lsn in s.apply(record, lsn: lsn); return true },
               journalError: { $0 == .closed ? .closed : .journal($0) }).result
        case .shared(let shared):
            try await claimFailedRun(runID, shared)
            run = try check(self.run(runID))
            try await recordShared(record, shared)
        }
        guard let definition = definitions.withLock({ $0[run.saga] }) else { throw .sagaNotFound(run.saga) }
        launch(runID, definition)
    }

    /// A run with its steps and history.
    public func run(_ runID: String) -> SagaRun? {
        state.withLock { $0.runs[runID] }
    }

    /// How many runs are executing now (started or resumed and not yet finished).
    public var activeRunCount: Int { executions.withLock { $0.count } }

    /// Runs, newest first, optionally of one saga and in one state.
    public func runs(saga: String? = nil, state wanted: RunState? = nil, limit: Int = 100) -> [SagaRun] {
        state.withLock { s in
            var result: [SagaRun] = []
            for id in s.order.reversed() {
                guard result.count < limit else { break }
                if let run = s.runs[id], saga == nil || run.saga == saga, wanted == nil || run.state == wanted { result.append(run) }
            }
            return result
        }
    }

    /// Waits until the run has finished (succeeded, compensated or failed) and returns it.
    public func waitForRun(_ runID: String) async throws(WorkflowError) -> SagaRun {
        while true {
            let generation = finished.generation
            guard let run = run(runID) else { throw .runNotFound(runID) }
            if run.state.isTerminal, executions.withLock({ $0[runID] == nil }) { return run }
            await finished.wait(after: generation)
        }
    }

    /// Stops running executions where they are (they resume after the next open) and closes the journal.
    public func close() async {
        guard await lifecycle.beginClosing() else { return }
        let (runIDs, running) = executions.withLock { (Array($0.keys), Array($0.values)) }
        for task in running { task.cancel() }
        for task in running { await task.value }
        guard case .journal(let journal) = persistence else {
            await releaseLeases(of: runIDs)
            finished.closeAll()
            return
        }
        if journal.stats.bytesSinceSnapshot > 256 << 10 {
            _ = try? await journal.snapshot(of: state, appliedLSN: \.appliedLSN) { copy, writer throws(JournalError) in
                var w = ByteWriter()
                SagaCodec.writeSnapshot(copy, to: &w)
                try writer.write(w.bytes)
            }
        }
        journal.close()
        finished.closeAll()
    }

    // MARK: Execution

    /// Executes the run in the background. `entered` is the step and attempt the caller's own record entered
    /// (the start enters the first step); any other step found entered and unfinished was interrupted.
    func launch(_ runID: String, _ definition: SagaDefinition, entered: (step: Int, attempt: Int)? = nil) {
        executions.withLock { tasks in
            guard tasks[runID] == nil else { return }
            tasks[runID] = Task { [self] in
                if case .shared(let shared) = persistence {
                    await executeHoldingLease(runID, definition, shared, entered: entered)
                } else {
                    await execute(runID, definition, entered: entered)
                }
                executions.withLock { $0[runID] = nil }
                finished.notifyAll()
            }
        }
    }

    /// Drives one run until it finishes or the engine closes. Each pass looks at the journaled state and
    /// takes the next transition, so a resumed run continues exactly where the journal says it was.
    func execute(_ runID: String, _ definition: SagaDefinition, entered: (step: Int, attempt: Int)? = nil) async {
        // The step this execution itself entered (with the start or the previous step's success), so `advance`
        // can tell it from a step a crash interrupted: both read "entered, not done" in the journal.
        var entered = entered
        let express = definition.type == .express
        while !Task.isCancelled, let run = state.withLock({ s in s.runs[runID].map { RunCursor($0, express: express) } }) {
            do throws(WorkflowError) {
                switch run.state {
                case .running: entered = try await advance(run, definition, entered: entered)
                case .compensating: try await compensateNext(run, definition)
                case .succeeded, .failed, .compensated: return
                }
            } catch {
                // The journal failed or closed: stop here; the run resumes from the journal next time.
                return
            }
        }
    }

    /// Runs the next step. Returns the step it entered for the one after, when the success of this one and
    /// the entry of the next went to the journal as one record.
    private func advance(_ run: RunCursor, _ definition: SagaDefinition,
                         entered: (step: Int, attempt: Int)?) async throws(WorkflowError) -> (step: Int, attempt: Int)? {
        guard let pending = run.pending else {
            try await record(.finished(runID: run.runID, state: .succeeded, detail: nil, atMillis: nowMillis))
            return nil
        }
        let index = pending.index
        let step = definition.steps[index]
        var attempt = pending.attempts + 1
        if pending.state == .running {
            attempt = pending.attempts
            if entered?.step != index || entered?.attempt != attempt {
                // The last attempt was entered but never finished: the process stopped during it.
                try await handleFailure(run.runID, definition, index: index, attempt: attempt, name: Self.interruptedError,
                                        text: "\(Self.interruptedError): the process stopped during attempt \(attempt)")
                return nil
            }
        } else {
            try await record(.entered(runID: run.runID, step: index, attempt: attempt, atMillis: nowMillis))
        }
        let context = StepContext(runID: run.runID, step: step.name, attempt: attempt, input: run.input)
        do {
            if run.failAt == step.name { throw InjectedFault(step: step.name) }
            try await step.action(context)
        } catch {
            if Task.isCancelled { return nil }
            let name = error is InjectedFault ? "InjectedFault" : errorName(error)
            try await handleFailure(run.runID, definition, index: index, attempt: attempt, name: name, text: "\(error)")
            return nil
        }
        let next = run.following?.index
        let nextAttempt = run.following.map { $0.attempts + 1 } ?? 0
        let advanced = SagaRecord.advanced(runID: run.runID, step: index, next: next, attempt: nextAttempt, atMillis: nowMillis)
        if definition.type == .express, next != nil {
            recordLater(advanced)
        } else {
            try await record(advanced)
        }
        return next.map { ($0, nextAttempt) }
    }

    /// Retries the step if its policy allows another attempt, else applies its catch rule.
    private func handleFailure(_ runID: String, _ definition: SagaDefinition, index: Int, attempt: Int, name: String, text: String) async throws(WorkflowError) {
        let step = definition.steps[index]
        if let policy = step.retry.first(where: { $0.matches(name) }), attempt < policy.maxAttempts {
            let delay = policy.delay(beforeAttempt: attempt + 1, random: random)
            let now = nowMillis
            try await record(.attemptFailed(runID: runID, step: index, attempt: attempt, error: text,
                                            retryAtMillis: now + Int64(delay * 1000), atMillis: now))
            do { try await clock.sleep(seconds: delay) } catch { return }
            return
        }
        try await record(.attemptFailed(runID: runID, step: index, attempt: attempt, error: text, retryAtMillis: nil, atMillis: nowMillis))
        let action = step.catchRules.first(where: { $0.matches(name) })?.action ?? .compensate
        switch action {
        case .fail:
            try await record(.finished(runID: runID, state: .failed, detail: "step \(step.name) failed: \(text)", atMillis: nowMillis))
        case .compensate:
            try await record(.compensationStarted(runID: runID, reason: "step \(step.name) failed: \(text)", atMillis: nowMillis))
        }
    }

    private func compensateNext(_ run: RunCursor, _ definition: SagaDefinition) async throws(WorkflowError) {
        // Undo in reverse order: the last step that completed (or whose undo was interrupted) and is not undone yet.
        guard let (index, compensationAttempts) = run.toUndo else {
            try await record(.finished(runID: run.runID, state: .compensated, detail: nil, atMillis: nowMillis))
            return
        }
        let step = definition.steps[index]
        guard let compensation = step.compensation else {
            try await record(.compensated(runID: run.runID, step: index, detail: "nothing to undo", atMillis: nowMillis))
            return
        }
        let attempt = compensationAttempts + 1
        try await record(.compensationEntered(runID: run.runID, step: index, attempt: attempt, atMillis: nowMillis))
        do {
            try await compensation(StepContext(runID: run.runID, step: step.name, attempt: attempt, input: run.input))
        } catch {
            if Task.isCancelled { return }
            let policy = definition.compensationRetry
            if attempt < policy.maxAttempts {
                let delay = policy.delay(beforeAttempt: attempt + 1, random: random)
                let now = nowMillis
                try await record(.compensationFailed(runID: run.runID, step: index, attempt: attempt, error: "\(error)",
                                                     retryAtMillis: now + Int64(delay * 1000), atMillis: now))
                do { try await clock.sleep(seconds: delay) } catch { return }
            } else {
                try await record(.compensationFailed(runID: run.runID, step: index, attempt: attempt, error: "\(error)", retryAtMillis: nil, atMillis: nowMillis))
                try await record(.finished(runID: run.runID, state: .failed,
                                           detail: "compensation of \(step.name) failed: \(error)", atMillis: nowMillis))
            }
            return
        }
        try await record(.compensated(runID: run.runID, step: index, detail: nil, atMillis: nowMillis))
    }
}

extension SagaEngine {
    /// The engine's journal — records and fsyncs so far — or nil when runs are kept in a shared store.
    public var journalStats: JournalStats? {
        if case .journal(let journal) = persistence { return journal.stats }
        return nil
    }
}
