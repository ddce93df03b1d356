import Foundation
import Journal

/// What the saga engine journals: every transition of every run, each before its effect is acknowledged.
enum SagaRecord: Sendable {
    /// A run began. With `entering`, its first step was entered as attempt 1 in the same record: one durable
    /// write where there were two, for the engine runs that step straight away.
    case started(runID: String, saga: String, steps: [String], input: [String: String], failAt: String?, atMillis: Int64, entering: Bool)
    case entered(runID: String, step: Int, attempt: Int, atMillis: Int64)
    case attemptFailed(runID: String, step: Int, attempt: Int, error: String, retryAtMillis: Int64?, atMillis: Int64)
    case succeeded(runID: String, step: Int, atMillis: Int64)
    case compensationStarted(runID: String, reason: String, atMillis: Int64)
    case compensationEntered(runID: String, step: Int, attempt: Int, atMillis: Int64)
    case compensationFailed(runID: String, step: Int, attempt: Int, error: String, retryAtMillis: Int64?, atMillis: Int64)
    case compensated(runID: String, step: Int, detail: String?, atMillis: Int64)
    case finished(runID: String, state: RunState, detail: String?, atMillis: Int64)
    case redriven(runID: String, atMillis: Int64)
    /// Step `step` succeeded and, in the same record, step `next` was entered as attempt `attempt` — or, with
    /// no `next`, the run succeeded. One durable write where there were two: the entry of the next step was
    /// never waited on apart from the success anyway, and after a crash it reads the same (entered, not done).
    case advanced(runID: String, step: Int, next: Int?, attempt: Int, atMillis: Int64)
    /// Transitions of one run in one record: the step successes an express run took without journaling them,
    /// then the transition that brought them into the journal (the run's end, or a failure). Applying it skips
    /// a success the state already holds: live, each took effect when its step returned, and a snapshot taken
    /// meanwhile may hold some of them.
    case batch([SagaRecord])

    var runID: String {
        switch self {
        case .batch(let records):
            records.last?.runID ?? ""
        case .started(let id, _, _, _, _, _, _), .entered(let id, _, _, _), .attemptFailed(let id, _, _, _, _, _), .succeeded(let id, _, _),
             .compensationStarted(let id, _, _), .compensationEntered(let id, _, _, _), .compensationFailed(let id, _, _, _, _, _),
             .compensated(let id, _, _, _), .finished(let id, _, _, _), .redriven(let id, _), .advanced(let id, _, _, _, _):
            id
        }
    }
}

/// Every run the engine knows, rebuilt from its journal. Of each saga, the newest `retainedRunsPerSaga`
/// succeeded and compensated runs are kept; older ones are forgotten (failed runs wait for a redrive and
/// are always kept). Per saga, so a busy saga (checkout, several runs a second) neither pushes a rare one's
/// history (the nightly pipeline) out nor makes memory grow for hours before its cap is reached.
struct SagaState: Sendable {
    var runs: [String: SagaRun] = [:]
    var order: [String] = []
    var appliedLSN: UInt64 = 0
    var retainedRunsPerSaga = SagaEngine.defaultRetainedRunsPerSaga
    /// How many runs `order` held after the last pass that forgot runs.
    private var countAfterForgetting = 0
    /// How many ended runs (succeeded or compensated) each saga has in `runs`, kept by `apply`; nil when not
    /// known — after a snapshot was read, or runs were adopted — and then counted afresh by the next pass.
    var forgettable: [String: Int]?
    /// Per running express run, the step successes applied here but not yet journaled, oldest first: the next
    /// record journaled for the run carries them (`SagaRecord.batch`). Not in snapshots, which hold their effect.
    var unjournaled: [String: [SagaRecord]] = [:]

    mutating func apply(_ record: SagaRecord, lsn: UInt64) {
        appliedLSN = lsn
        if case let .batch(records) = record {
            for inner in records where !holds(inner) { apply(inner, lsn: lsn) }
            return
        }
        if case let .advanced(id, step, next, attempt, at) = record {
            apply(.succeeded(runID: id, step: step, atMillis: at), lsn: lsn)
            apply(next.map { .entered(runID: id, step: $0, attempt: attempt, atMillis: at) }
                  ?? .finished(runID: id, state: .succeeded, detail: nil, atMillis: at), lsn: lsn)
            return
        }
        if case let .started(id, saga, steps, input, failAt, at, entering) = record {
            // Room for a run that succeeds at the first attempt of every step (entered and succeeded each, then
            // ended): grown one event at a time, the history was reallocated four times in a checkout run.
            var history: [RunEvent] = []
            history.reserveCapacity(2 * steps.count + 2)
            history.append(RunEvent(at: Self.date(at), type: "runStarted", step: nil, detail: failAt.map { "failure injected at \($0)" }))
            runs[id] = SagaRun(runID: id, saga: saga, state: .running,
                               steps: steps.map { StepStatus(name: $0, state: .pending, attempts: 0, compensationAttempts: 0, error: nil) },
                               history: history, input: input, failAt: failAt, startedAt: Self.date(at), endedAt: nil)
            order.append(id)
            if entering, !steps.isEmpty { apply(.entered(runID: id, step: 0, attempt: 1, atMillis: at), lsn: lsn) }
            return
        }
        // Changed in place through the dictionary: a copy taken out and stored back made every transition copy
        // the run's step and history arrays (4.5 % of the process's CPU while checkout drained a backlog).
        guard let taken = runs[record.runID]?.take(record) else { return }
        if let saga = taken.endedSaga { forgettable?[saga, default: 0] += 1 }
        if case .finished = record { forgetOldRuns() }
    }

    /// Forgets each saga's oldest ended runs beyond its quota, in one pass once `order` has grown by an eighth
    /// of a quota since the last one, so a busy saga's listing stays within an eighth of its quota. The pass
    /// walks `order` from the oldest run and stops once no saga is over its quota: it used to look up every
    /// run twice, copying each out, which took 3 % of the CPU while checkout drained a backlog (2026-12-07).
    mutating func forgetOldRuns() {
        guard order.count - countAfterForgetting > max(retainedRunsPerSaga / 8, 64) else { return }
        var counts = forgettable ?? countForgettable()
        var excess = counts.compactMapValues { $0 > retainedRunsPerSaga ? $0 - retainedRunsPerSaga : nil }
        var forgotten = RangeSet<Int>()
        var position = 0
        while !excess.isEmpty, position < order.count {
            let id = order[position]
            if let saga = runs[id]?.sagaIfForgettable(), let over = excess[saga] {
                runs[id] = nil
                counts[saga, default: 1] -= 1
                excess[saga] = over == 1 ? nil : over - 1
                forgotten.insert(position, within: order)
            }
            position += 1
        }
        order.removeSubranges(forgotten)
        forgettable = counts
        countAfterForgetting = order.count
    }

    /// Whether the state already holds `record`: a step success whose step has succeeded.
    private func holds(_ record: SagaRecord) -> Bool {
        guard case let .advanced(id, step, _, _, _) = record, let run = runs[id], run.steps.indices.contains(step) else { return false }
        return run.steps[step].state == .succeeded
    }

    private func countForgettable() -> [String: Int] {
        var counts: [String: Int] = [:]
        for run in runs.values where run.state == .succeeded || run.state == .compensated { counts[run.saga, default: 0] += 1 }
        return counts
    }

    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}

extension SagaRun {
    /// The run's saga if the run ended in a way that lets it be forgotten (succeeded or compensated). Mutating
    /// only so that `runs[id]?.sagaIfForgettable()` reads the run in place instead of copying it.
    fileprivate mutating func sagaIfForgettable() -> String? {
        state == .succeeded || state == .compensated ? saga : nil
    }

    /// What `take` did to a run: `endedSaga` is the run's saga when the record ended it as succeeded or
    /// compensated (the runs a quota counts).
    fileprivate struct Taken {
        var endedSaga: String?
    }

    /// What `record`, one of this run's transitions after its start, does to it.
    fileprivate mutating func take(_ record: SagaRecord) -> Taken {
        let wasForgettable = sagaIfForgettable() != nil
        change(record)
        return Taken(endedSaga: wasForgettable ? nil : sagaIfForgettable())
    }

    private mutating func change(_ record: SagaRecord) {
        func name(_ step: Int) -> String? { step < steps.count ? steps[step].name : nil }
        switch record {
        case .started, .advanced, .batch:
            break
        case let .entered(_, step, attempt, at):
            steps[step].state = .running
            steps[step].attempts = attempt
            history.append(RunEvent(at: SagaState.date(at), type: "stepEntered", step: name(step), detail: "attempt \(attempt)"))
        case let .attemptFailed(_, step, attempt, error, retryAt, at):
            steps[step].state = .failed
            steps[step].error = error
            let retry = retryAt.map { " — retrying at \(SagaState.iso(SagaState.date($0)))" } ?? ""
            history.append(RunEvent(at: SagaState.date(at), type: "attemptFailed", step: name(step), detail: "attempt \(attempt): \(error)\(retry)"))
        case let .succeeded(_, step, at):
            steps[step].state = .succeeded
            steps[step].error = nil
            history.append(RunEvent(at: SagaState.date(at), type: "stepSucceeded", step: name(step), detail: nil))
        case let .compensationStarted(_, reason, at):
            state = .compensating
            endedAt = nil  // a held run an operator abandoned ended once already
            history.append(RunEvent(at: SagaState.date(at), type: "compensationStarted", step: nil, detail: reason))
        case let .compensationEntered(_, step, attempt, at):
            steps[step].state = .compensating
            steps[step].compensationAttempts = attempt
            history.append(RunEvent(at: SagaState.date(at), type: "compensationEntered", step: name(step), detail: "attempt \(attempt)"))
        case let .compensationFailed(_, step, attempt, error, retryAt, at):
            steps[step].error = error
            let retry = retryAt.map { " — retrying at \(SagaState.iso(SagaState.date($0)))" } ?? ""
            history.append(RunEvent(at: SagaState.date(at), type: "compensationFailed", step: name(step), detail: "attempt \(attempt): \(error)\(retry)"))
        case let .compensated(_, step, detail, at):
            steps[step].state = .compensated
            history.append(RunEvent(at: SagaState.date(at), type: "stepCompensated", step: name(step), detail: detail))
        case let .finished(_, ended, detail, at):
            failedWhileCompensating = ended == .failed && state == .compensating
            state = ended
            endedAt = SagaState.date(at)
            let type = ended == .succeeded ? "runSucceeded" : ended == .compensated ? "runCompensated" : "runFailed"
            history.append(RunEvent(at: SagaState.date(at), type: type, step: nil, detail: detail))
        case let .redriven(_, at):
            state = failedWhileCompensating ? .compensating : .running
            endedAt = nil
            failAt = nil  // an injected failure is the demo's outage; the redrive says it is over
            for index in steps.indices where steps[index].state == .failed {
                steps[index].state = .pending
                steps[index].attempts = 0
            }
            for index in steps.indices where steps[index].state == .compensating {
                steps[index].state = .succeeded
                steps[index].compensationAttempts = 0
            }
            history.append(RunEvent(at: SagaState.date(at), type: "runRedriven", step: nil, detail: nil))
        }
    }
}
