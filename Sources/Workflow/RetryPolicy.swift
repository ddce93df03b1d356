/// How a failed attempt is retried, as Step Functions' `Retry` describes it: wait `interval × rate^(n-1)`
/// before retry n, never more than `maxDelay`, with optional full jitter (a uniform draw between 0 and that).
public struct RetryPolicy: Sendable, Hashable {
    public enum Jitter: String, Sendable { case none, full }

    /// Error names this policy applies to; `"*"` matches every error (Step Functions' `States.ALL`).
    public var errorEquals: [String]
    public var intervalSeconds: Double
    public var backoffRate: Double
    /// Attempts in all, the first included (Step Functions counts retries; `maxAttempts` 3 here is 2 retries).
    public var maxAttempts: Int
    public var maxDelaySeconds: Double?
    public var jitter: Jitter

    public init(errorEquals: [String] = ["*"], intervalSeconds: Double = 1, backoffRate: Double = 2, maxAttempts: Int = 3,
                maxDelaySeconds: Double? = nil, jitter: Jitter = .none) {
        self.errorEquals = errorEquals
        self.intervalSeconds = intervalSeconds
        self.backoffRate = backoffRate
        self.maxAttempts = maxAttempts
        self.maxDelaySeconds = maxDelaySeconds
        self.jitter = jitter
    }

    /// No retries.
    public static let never = RetryPolicy(maxAttempts: 1)

    func validate() throws(WorkflowError) {
        guard intervalSeconds >= 0, intervalSeconds.isFinite, backoffRate >= 1, backoffRate.isFinite, (1...1000).contains(maxAttempts),
              maxDelaySeconds.map({ $0 >= 0 && $0.isFinite }) ?? true, !errorEquals.isEmpty else {
            throw .validation("retry policy out of range: interval ≥ 0, backoff rate ≥ 1, 1-1000 attempts, max delay ≥ 0, at least one error name")
        }
    }

    /// Whether this policy covers an error named `name`.
    public func matches(_ name: String) -> Bool { errorEquals.contains("*") || errorEquals.contains(name) }

    /// The wait before attempt `attempt` (2 for the first retry), before jitter.
    public func baseDelay(beforeAttempt attempt: Int) -> Double {
        guard attempt >= 2 else { return 0 }
        var delay = intervalSeconds
        for _ in 2..<attempt {
            delay *= backoffRate
            if let cap = maxDelaySeconds, delay >= cap { return cap }
        }
        if let cap = maxDelaySeconds { return min(delay, cap) }
        return delay
    }

    /// The wait before attempt `attempt`, jittered with `random` (a draw in 0...1).
    public func delay(beforeAttempt attempt: Int, random: () -> Double) -> Double {
        let base = baseDelay(beforeAttempt: attempt)
        switch jitter {
        case .none: return base
        case .full: return base * min(max(random(), 0), 1)
        }
    }
}

/// The name an error is matched by in retry and catch rules: `WorkflowFailure.name` when it is one,
/// else the error's type name.
public func errorName(_ error: any Error) -> String {
    if let named = error as? WorkflowFailure { return named.name }
    return String(describing: type(of: error))
}

/// An error with a name chosen by the step (like Step Functions' `Error` field), and a cause.
public struct WorkflowFailure: Error, Sendable, Equatable, CustomStringConvertible {
    public var name: String
    public var cause: String

    public init(_ name: String, cause: String = "") {
        self.name = name
        self.cause = cause
    }

    public var description: String { cause.isEmpty ? name : "\(name): \(cause)" }
}
