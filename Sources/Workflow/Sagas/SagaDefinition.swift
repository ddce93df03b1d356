/// What a step's action and compensation are given.
public struct StepContext: Sendable {
    public let runID: String
    public let step: String
    /// 1 for the first attempt.
    public let attempt: Int
    public let input: [String: String]
    /// The same for every attempt of this step in this run, across restarts: steps use it to make their
    /// effects idempotent, since a step interrupted by a crash runs again.
    public var idempotencyKey: String { "\(runID)/\(step)" }
}

/// What to do when a step has failed for good.
public struct CatchRule: Sendable {
    public enum Action: Sendable, Equatable {
        /// Undo the completed steps in reverse order; the run ends `compensated`.
        case compensate
        /// Stop without undoing anything; the run ends `failed` and can be redriven from this step.
        case fail
    }

    public var errorEquals: [String]
    public var action: Action

    public init(errorEquals: [String], action: Action) {
        self.errorEquals = errorEquals
        self.action = action
    }

    func matches(_ name: String) -> Bool { errorEquals.contains("*") || errorEquals.contains(name) }
}

/// One step of a saga: an action, how to undo it, how to retry it, and what to do when it fails for good.
public struct SagaStep: Sendable {
    public var name: String
    public var action: @Sendable (StepContext) async throws -> Void
    public var compensation: (@Sendable (StepContext) async throws -> Void)?
    /// The first policy matching the error's name decides the retries (none: no retries).
    public var retry: [RetryPolicy]
    /// The first rule matching the error's name decides; with none, the saga compensates.
    public var catchRules: [CatchRule]

    public init(_ name: String, retry: [RetryPolicy] = [], catchRules: [CatchRule] = [],
                action: @escaping @Sendable (StepContext) async throws -> Void,
                compensation: (@Sendable (StepContext) async throws -> Void)? = nil) {
        self.name = name
        self.action = action
        self.compensation = compensation
        self.retry = retry
        self.catchRules = catchRules
    }
}

/// How much of a run the engine journals: the trade AWS Step Functions makes between its Standard and Express
/// workflows.
public enum SagaType: String, Sendable {
    /// Every transition is journaled before it takes effect: after a crash a completed step never runs again,
    /// and only the step the crash interrupted runs again.
    case standard
    /// The start, the end and every failure are journaled; a step's success is not, until the next of those
    /// carries it (one durable write per run where a standard run makes one per step). After a crash the run
    /// resumes from its last journaled transition, so steps that had completed run again: every step must be
    /// idempotent even after the steps that follow it have run. And as the engine cannot tell which of them
    /// ran, a run that was interrupted and then compensates undoes every step, so every compensation must also
    /// be harmless for a step that never ran.
    case express
}

/// A named, ordered list of steps. Compensations are retried by `compensationRetry`; a compensation that
/// keeps failing leaves the run `failed` (redrivable).
public struct SagaDefinition: Sendable {
    public var name: String
    public var steps: [SagaStep]
    public var compensationRetry: RetryPolicy
    /// Standard (every transition journaled) or express (the start, the end and failures).
    public var type: SagaType

    public init(name: String, steps: [SagaStep], compensationRetry: RetryPolicy = RetryPolicy(intervalSeconds: 1, backoffRate: 2, maxAttempts: 5),
                type: SagaType = .standard) {
        self.name = name
        self.steps = steps
        self.compensationRetry = compensationRetry
        self.type = type
    }

    func validate() throws(WorkflowError) {
        guard !name.isEmpty, !steps.isEmpty else { throw .validation("a saga needs a name and at least one step") }
        guard Set(steps.map(\.name)).count == steps.count else { throw .validation("step names in saga \"\(name)\" must be distinct") }
        for step in steps { for policy in step.retry { try policy.validate() } }
        try compensationRetry.validate()
    }
}

/// The error a step fails with when a failure is injected there on purpose (for demos and tests).
public struct InjectedFault: Error, Sendable, CustomStringConvertible {
    public let step: String
    public var description: String { "InjectedFault: failure injected at step \(step)" }
}
