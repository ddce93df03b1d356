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

/// A min-heap of (time, message id) entries for delayed and in-flight messages. Entries go stale when a
/// message is deleted or its visibility changes; whoever pops one checks it against the message.
struct TimerHeap: Sendable {
    private(set) var entries: [(at: Int64, id: String)] = []

    var earliest: Int64? { entries.first?.at }
    var count: Int { entries.count }

    mutating func insert(at: Int64, id: String) {
        entries.append((at, id))
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].at < entries[parent].at else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    mutating func popEarliest() -> (at: Int64, id: String)? {
        guard !entries.isEmpty else { return nil }
        entries.swapAt(0, entries.count - 1)
        let top = entries.removeLast()
        var parent = 0
        while true {
            let left = parent * 2 + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].at < entries[smallest].at { smallest = left }
            if right < entries.count, entries[right].at < entries[smallest].at { smallest = right }
            guard smallest != parent else { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return top
    }

    mutating func removeAll() { entries.removeAll() }
}
