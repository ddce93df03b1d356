import Broker
import Foundation
import Shop
import Telemetry
import Workflow

/// `/admin/queues` items.
struct QueueView: Encodable {
    struct DeadLetters: Encodable {
        var name: String
        var visible: Int
    }
    var name: String
    var type: String
    var visible: Int
    var inFlight: Int
    var delayed: Int
    var dlq: DeadLetters?
    var oldestAgeSeconds: Double

    init(_ stats: QueueStats) {
        name = stats.name
        type = stats.isFIFO ? "fifo" : "standard"
        visible = stats.visible
        inFlight = stats.inFlight
        delayed = stats.delayed
        dlq = stats.deadLetterQueue.map { DeadLetters(name: $0.name, visible: $0.visible) }
        oldestAgeSeconds = (stats.oldestAgeSeconds * 10).rounded() / 10
    }
}

/// `/admin/runs` on a shared backend: the runs and what they are a listing of.
struct RunListing: Encodable {
    var items: [RunView]
    var scope: String
}

/// `/admin/runs` items.
struct RunView: Encodable {
    struct Step: Encodable {
        var name: String
        var state: String
        var attempts: Int
        var seconds: Double?
        var error: String?
    }
    struct Event: Encodable {
        var at: String
        var type: String
        var step: String?
        var detail: String?
    }
    var runId: String
    var pipeline: String
    var state: String
    var steps: [Step]
    var history: [Event]
    var startedAt: String
    var endedAt: String?

    init(_ run: SagaRun, now: Date) {
        runId = run.runID
        pipeline = run.saga
        state = run.state.rawValue
        steps = run.steps.map {
            Step(name: $0.name, state: $0.state.rawValue, attempts: $0.attempts, seconds: run.secondsSpent(inStep: $0.name, now: now), error: $0.error)
        }
        history = run.history.map { Event(at: Logger.timestamp($0.at), type: $0.type, step: $0.step, detail: $0.detail) }
        startedAt = Logger.timestamp(run.startedAt)
        endedAt = run.endedAt.map(Logger.timestamp)
    }
}

/// `/admin/schedules` items.
struct ScheduleView: Encodable {
    var name: String
    var expression: String
    var timeZone: String
    var enabled: Bool
    var nextFireAt: String?
    var lastOutcome: String?

    init(_ status: ScheduleStatus) {
        name = status.definition.name
        expression = status.definition.expression.description
        timeZone = status.definition.timeZone.identifier
        enabled = status.definition.enabled
        nextFireAt = status.nextFireAt.map(Logger.timestamp)
        lastOutcome = status.lastOutcome
    }
}

/// `/admin/api-keys` items (the key itself only in the answer that creates it).
struct APIKeyView: Encodable {
    var id: String
    var name: String
    var rate: Double
    var burst: Int
    var dailyQuota: Int?
    var usedToday: Int
    var createdAt: String
    var key: String?
}

/// `/admin/audit` items.
struct AuditView: Encodable {
    var seq: UInt64
    var at: String
    var actor: String
    var action: String
    var detail: String
    var hash: String
    /// The instance that recorded it, in a shop-wide listing.
    var instance: String?

    init(_ entry: AuditEntry, instance: String? = nil) {
        self.instance = instance
        seq = entry.seq
        at = Logger.timestamp(entry.at)
        actor = entry.actor
        action = entry.action
        detail = entry.detail
        hash = entry.hash
    }
}
