import Foundation

/// What to do about fires that came due while shopdeck was not running.
public enum MissedFirePolicy: String, Sendable, CaseIterable {
    /// Fire once, for the most recent missed time, if that is within the maximum event age.
    case fireOnce
    /// Fire nothing for missed times; carry on from the next one.
    case skip
}

/// A schedule: when it fires, in which zone, and how hard to try each fire (EventBridge Scheduler's
/// retry policy: a maximum event age and a maximum number of retries, then a dead-letter record).
public struct ScheduleDefinition: Sendable, Equatable {
    public var name: String
    public var expression: ScheduleExpression
    public var timeZone: TimeZone
    public var enabled: Bool
    public var missedFires: MissedFirePolicy
    /// Seconds after its scheduled time a fire is still attempted (60…86 400; EventBridge's default is a day).
    public var maximumEventAge: Double
    /// Retries after the first attempt (0…185, EventBridge's range and default).
    public var maximumRetryAttempts: Int

    public init(name: String, expression: ScheduleExpression, timeZone: TimeZone = TimeZone(identifier: "UTC")!, enabled: Bool = true,
                missedFires: MissedFirePolicy = .fireOnce, maximumEventAge: Double = 86_400, maximumRetryAttempts: Int = 185) {
        self.name = name
        self.expression = expression
        self.timeZone = timeZone
        self.enabled = enabled
        self.missedFires = missedFires
        self.maximumEventAge = maximumEventAge
        self.maximumRetryAttempts = maximumRetryAttempts
    }

    /// A definition from text, as the admin API and configuration give it.
    public init(name: String, expression: String, timeZone: String = "UTC") throws(WorkflowError) {
        guard let zone = TimeZone(identifier: timeZone) else { throw .invalidTimeZone(timeZone) }
        self.init(name: name, expression: try ScheduleExpression(parsing: expression), timeZone: zone)
    }

    func validate() throws(WorkflowError) {
        let allowed = name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
        }
        guard !name.isEmpty, name.utf8.count <= 64, allowed else {
            throw .validation("schedule name \"\(name)\" must be 1 to 64 characters of letters, digits, '-', '_' and '.'")
        }
        guard (60...86_400).contains(maximumEventAge) else { throw .validation("maximum event age must be 60 to 86400 seconds") }
        guard (0...185).contains(maximumRetryAttempts) else { throw .validation("maximum retry attempts must be 0 to 185") }
    }
}

/// One fire handed to the scheduler's handler.
public struct ScheduledFire: Sendable, Equatable {
    public var schedule: String
    /// When it was due (the same for every retry of this fire).
    public var scheduledAt: Date
    /// 1 for the first try.
    public var attempt: Int
}

/// A fire that could not be delivered: retries ran out or it was too old.
public struct ScheduleDeadLetter: Sendable, Equatable {
    public var schedule: String
    public var scheduledAt: Date
    public var attempts: Int
    public var error: String
    public var recordedAt: Date
}

/// A schedule as the admin API and console show it.
public struct ScheduleStatus: Sendable, Equatable {
    public var definition: ScheduleDefinition
    public var nextFireAt: Date?
    public var lastScheduledAt: Date?
    /// "succeeded", "dead-lettered: …" or "skipped: …".
    public var lastOutcome: String?
    /// Whether a one-time schedule has fired.
    public var completed: Bool
}
