import Foundation
import Journal

/// What the saga engine journals: every transition of every run, each before its effect is acknowledged.
enum SagaRecord: Sendable {
    case started(runID: String, saga: String, steps: [String], input: [String: String], failAt: String?, atMillis: Int64)
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

    var runID: String {
        switch self {
        case .started(let id, _, _, _, _, _), .entered(let id, _, _, _), .attemptFailed(let id, _, _, _, _, _), .succeeded(let id, _, _),
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

    mutating func apply(_ record: SagaRecord, lsn: UInt64) {
        appliedLSN = lsn
        if case let .advanced(id, step, next, attempt, at) = record {
            apply(.succeeded(runID: id, step: step, atMillis: at), lsn: lsn)
            apply(next.map { .entered(runID: id, step: $0, attempt: attempt, atMillis: at) }
                  ?? .finished(runID: id, state: .succeeded, detail: nil, atMillis: at), lsn: lsn)
            return
        }
        if case let .started(id, saga, steps, input, failAt, at) = record {
            runs[id] = SagaRun(runID: id, saga: saga, state: .running,
                               steps: steps.map { StepStatus(name: $0, state: .pending, attempts: 0, compensationAttempts: 0, error: nil) },
                               history: [RunEvent(at: Self.date(at), type: "runStarted", step: nil, detail: failAt.map { "failure injected at \($0)" })],
                               input: input, failAt: failAt, startedAt: Self.date(at), endedAt: nil)
            order.append(id)
            return
        }
        guard runs[record.runID] != nil else { return }
        // Changed in place through the dictionary: a copy taken out and stored back made every transition copy
        // the run's step and history arrays (4.5 % of the process's CPU while checkout drained a backlog).
        Self.transition(&runs[record.runID]!, by: record)
        if case .finished = record { forgetOldRuns() }
    }

    /// What `record` does to its run.
    private static func transition(_ run: inout SagaRun, by record: SagaRecord) {
        func name(_ step: Int) -> String? { step < run.steps.count ? run.steps[step].name : nil }
        switch record {
        case .started, .advanced:
            break
        case let .entered(_, step, attempt, at):
            run.steps[step].state = .running
            run.steps[step].attempts = attempt
            run.history.append(RunEvent(at: Self.date(at), type: "stepEntered", step: name(step), detail: "attempt \(attempt)"))
        case let .attemptFailed(_, step, attempt, error, retryAt, at):
            run.steps[step].state = .failed
            run.steps[step].error = error
            let retry = retryAt.map { " — retrying at \(Self.iso(Self.date($0)))" } ?? ""
            run.history.append(RunEvent(at: Self.date(at), type: "attemptFailed", step: name(step), detail: "attempt \(attempt): \(error)\(retry)"))
        case let .succeeded(_, step, at):
            run.steps[step].state = .succeeded
            run.steps[step].error = nil
            run.history.append(RunEvent(at: Self.date(at), type: "stepSucceeded", step: name(step), detail: nil))
        case let .compensationStarted(_, reason, at):
            run.state = .compensating
            run.history.append(RunEvent(at: Self.date(at), type: "compensationStarted", step: nil, detail: reason))
        case let .compensationEntered(_, step, attempt, at):
            run.steps[step].state = .compensating
            run.steps[step].compensationAttempts = attempt
            run.history.append(RunEvent(at: Self.date(at), type: "compensationEntered", step: name(step), detail: "attempt \(attempt)"))
        case let .compensationFailed(_, step, attempt, error, retryAt, at):
            run.steps[step].error = error
            let retry = retryAt.map { " — retrying at \(Self.iso(Self.date($0)))" } ?? ""
            run.history.append(RunEvent(at: Self.date(at), type: "compensationFailed", step: name(step), detail: "attempt \(attempt): \(error)\(retry)"))
        case let .compensated(_, step, detail, at):
            run.steps[step].state = .compensated
            run.history.append(RunEvent(at: Self.date(at), type: "stepCompensated", step: name(step), detail: detail))
        case let .finished(_, state, detail, at):
            run.failedWhileCompensating = state == .failed && run.state == .compensating
            run.state = state
            run.endedAt = Self.date(at)
            let type = state == .succeeded ? "runSucceeded" : state == .compensated ? "runCompensated" : "runFailed"
            run.history.append(RunEvent(at: Self.date(at), type: type, step: nil, detail: detail))
        case let .redriven(_, at):
            run.state = run.failedWhileCompensating ? .compensating : .running
            run.endedAt = nil
            for index in run.steps.indices where run.steps[index].state == .failed {
                run.steps[index].state = .pending
                run.steps[index].attempts = 0
            }
            for index in run.steps.indices where run.steps[index].state == .compensating {
                run.steps[index].state = .succeeded
                run.steps[index].compensationAttempts = 0
            }
            run.history.append(RunEvent(at: Self.date(at), type: "runRedriven", step: nil, detail: nil))
        }
    }

    /// Forgets each saga's oldest ended runs beyond its quota, in one pass once `order` has grown by an eighth
    /// of a quota since the last one: ending a run costs a few lookups on average, and a busy saga's listing
    /// stays within an eighth of its quota instead of doubling it between passes.
    mutating func forgetOldRuns() {
        guard order.count - countAfterForgetting > max(retainedRunsPerSaga / 8, 64) else { return }
        var kept: [String: Int] = [:]
        for id in order.reversed() {
            guard let run = runs[id], run.state == .succeeded || run.state == .compensated else { continue }
            kept[run.saga, default: 0] += 1
            if kept[run.saga]! > retainedRunsPerSaga { runs[id] = nil }
        }
        order.removeAll { runs[$0] == nil }
        countAfterForgetting = order.count
    }

    static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
    static func iso(_ date: Date) -> String { ISO8601DateFormatter().string(from: date) }
}
