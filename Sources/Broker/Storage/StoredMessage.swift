import Telemetry

/// Where a message is in its life.
enum MessagePhase: UInt8, Sendable {
    /// Waiting out a delay before it can be received.
    case delayed
    /// Receivable now.
    case visible
    /// Received and not yet deleted; becomes visible again when its visibility timeout runs out.
    case inFlight
}

/// A message as the broker keeps it.
struct StoredMessage: Sendable {
    var id: String
    var body: String
    var attributes: [String: MessageAttributeValue]
    var sentAtMillis: Int64
    /// When a delayed or in-flight message becomes visible.
    var visibleAtMillis: Int64
    var receiveCount: Int
    var phase: MessagePhase
    var groupID: String?
    var sequence: UInt64
    /// For messages moved to a dead-letter queue: the queue they came from.
    var sourceQueue: String?
    /// Bumped each time the message joins the ready list, so older entries for it can be told apart.
    var readyToken: UInt64 = 0
}

/// A message on its way into a queue, as a journal record carries it.
struct IncomingMessage: Sendable {
    var id: String
    var body: String
    var attributes: [String: MessageAttributeValue]
    var sentAtMillis: Int64
    var visibleAtMillis: Int64
    var receiveCount: Int
    var groupID: String?
    var deduplicationID: String?
    var sourceQueue: String?
}

/// A delayed or in-flight message's wake-up time. Entries go stale when a message is deleted or its
/// visibility changes; whoever pops one checks it against the message.
struct TimerEntry: HeapKeyed, Sendable {
    var at: Int64
    var id: String
    var heapKey: Int64 { at }
}
