import Foundation

/// Where a run is.
public enum RunState: String, Sendable, CaseIterable {
    case running, succeeded, failed, compensating, compensated

    /// Whether the run has finished (redrive can restart a failed one).
    public var isTerminal: Bool { self == .succeeded || self == .failed || self == .compensated }
}

/// Where a step of a run is.
public enum StepState: String, Sendable {
    case pending, running, succeeded, failed, compensating, compensated
}

/// One step of a run, as `/admin/runs` shows it.
public struct StepStatus: Sendable, Equatable {
    public var name: String
    public var state: StepState
    public var attempts: Int
    public var compensationAttempts: Int
    public var error: String?
}

/// One event in a run's history.
public struct RunEvent: Sendable, Equatable {
    public var at: Date
    /// runStarted, stepEntered, attemptFailed, stepSucceeded, compensationStarted, compensationEntered,
    /// compensationFailed, stepCompensated, runSucceeded, runCompensated, runFailed, runRedriven.
    public var type: String
    public var step: String?
    public var detail: String?
}

/// A run of a saga, with its step states and history.
public struct SagaRun: Sendable, Equatable {
    public var runID: String
    public var saga: String
    public var state: RunState
    public var steps: [StepStatus]
    public var history: [RunEvent]
    public var input: [String: String]
    /// The step at which a failure is injected, if one is.
    public var failAt: String?
    public var startedAt: Date
    public var endedAt: Date?
    /// Whether the failure that ended the run came from a compensation (redrive resumes compensating).
    var failedWhileCompensating = false

    /// Seconds spent in step `name` over all its attempts, from the history (entered → succeeded or failed);
    /// an attempt under way counts up to `now`. Nil when the step never ran.
    public func secondsSpent(inStep name: String, now: Date) -> Double? {
        var total: Double?
        var enteredAt: Date?
        for event in history where event.step == name {
            switch event.type {
            case "stepEntered": enteredAt = event.at
            case "stepSucceeded", "attemptFailed":
                if let entered = enteredAt { total = (total ?? 0) + event.at.timeIntervalSince(entered) }
                enteredAt = nil
            default: break
            }
        }
        if let entered = enteredAt, steps.contains(where: { $0.name == name && $0.state == .running }) {
            total = (total ?? 0) + max(0, now.timeIntervalSince(entered))
        }
        return total
    }
}
