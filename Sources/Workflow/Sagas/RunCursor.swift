/// What an execution needs of a run to take its next transition, read under the engine's lock. An execution
/// used to hold a copy of the whole run across each step; the journal's transitions then changed the run's
/// step and history arrays while the copy still shared them, so every transition copied both (the copies
/// were about 2 % of the CPU while checkout drained a backlog, 2026-12-07). A cursor shares nothing that a
/// transition changes.
struct RunCursor: Sendable {
    let runID: String
    let state: RunState
    let input: [String: String]
    let failAt: String?
    /// The first step that has not succeeded, with its state and attempts so far.
    let pending: (index: Int, state: StepState, attempts: Int)?
    /// The first step after `pending` that has not succeeded, with its attempts so far.
    let following: (index: Int, attempts: Int)?
    /// The last step that succeeded or whose undo was interrupted, with its undo attempts so far. For an
    /// express run that a crash interrupted, the last step not undone yet: steps that completed before the
    /// crash were not journaled, so any of them may need undoing.
    let toUndo: (index: Int, compensationAttempts: Int)?

    init(_ run: borrowing SagaRun, express: Bool = false) {
        runID = run.runID
        state = run.state
        input = run.input
        failAt = run.failAt
        let steps = run.steps
        pending = steps.firstIndex { $0.state != .succeeded }.map { ($0, steps[$0].state, steps[$0].attempts) }
        following = pending.flatMap { pending in
            steps.indices.first { $0 > pending.index && steps[$0].state != .succeeded }.map { ($0, steps[$0].attempts) }
        }
        let undoEveryStep = express && run.state == .compensating && Self.wasInterrupted(run)
        toUndo = steps.lastIndex { undoEveryStep ? $0.state != .compensated : ($0.state == .succeeded || $0.state == .compensating) }
            .map { ($0, steps[$0].compensationAttempts) }
    }

    /// Whether the engine ever resumed the run after an interruption: it journals that as a failed attempt
    /// whose error is `SagaEngine.interruptedError` (the history is what the journal and snapshots keep).
    static func wasInterrupted(_ run: borrowing SagaRun) -> Bool {
        run.history.contains { $0.type == "attemptFailed" && $0.detail?.contains(": \(SagaEngine.interruptedError): ") == true }
    }
}
