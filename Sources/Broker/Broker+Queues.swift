import Foundation

/// A message as an operator sees it without receiving it (see `Broker.peek`).
public struct PeekedMessage: Sendable, Equatable {
    public enum State: String, Sendable { case delayed, visible, inFlight = "in-flight" }
    public var id: String
    public var body: String
    public var sentAt: Date
    public var receiveCount: Int
    public var groupID: String?
    public var state: State

    public init(id: String, body: String, sentAt: Date, receiveCount: Int, groupID: String?, state: State) {
        self.id = id
        self.body = body
        self.sentAt = sentAt
        self.receiveCount = receiveCount
        self.groupID = groupID
        self.state = state
    }
}

/// A queue's state for the console and `/admin/queues`.
public struct QueueStats: Sendable, Equatable {
    public var name: String
    public var isFIFO: Bool
    public var visible: Int
    public var inFlight: Int
    public var delayed: Int
    /// The dead-letter queue and how many messages it holds, if the queue has one.
    public var deadLetterQueue: (name: String, visible: Int)?
    public var oldestAgeSeconds: Double
    public var sentTotal: Int
    public var receivedTotal: Int
    public var deletedTotal: Int
    /// Per second, over the last 10 seconds.
    public var sentRate: Double
    public var receivedRate: Double
    public var deletedRate: Double

    /// A queue's figures as a backend reports them; rates and totals a backend does not keep are zero.
    public init(name: String, isFIFO: Bool, visible: Int, inFlight: Int, delayed: Int, deadLetterQueue: (name: String, visible: Int)? = nil,
                oldestAgeSeconds: Double = 0, sentTotal: Int = 0, receivedTotal: Int = 0, deletedTotal: Int = 0,
                sentRate: Double = 0, receivedRate: Double = 0, deletedRate: Double = 0) {
        self.name = name
        self.isFIFO = isFIFO
        self.visible = visible
        self.inFlight = inFlight
        self.delayed = delayed
        self.deadLetterQueue = deadLetterQueue
        self.oldestAgeSeconds = oldestAgeSeconds
        self.sentTotal = sentTotal
        self.receivedTotal = receivedTotal
        self.deletedTotal = deletedTotal
        self.sentRate = sentRate
        self.receivedRate = receivedRate
        self.deletedRate = deletedRate
    }

    public static func == (lhs: QueueStats, rhs: QueueStats) -> Bool {
        lhs.name == rhs.name && lhs.isFIFO == rhs.isFIFO && lhs.visible == rhs.visible && lhs.inFlight == rhs.inFlight
            && lhs.delayed == rhs.delayed && lhs.deadLetterQueue?.name == rhs.deadLetterQueue?.name
            && lhs.deadLetterQueue?.visible == rhs.deadLetterQueue?.visible && lhs.oldestAgeSeconds == rhs.oldestAgeSeconds
            && lhs.sentTotal == rhs.sentTotal && lhs.receivedTotal == rhs.receivedTotal && lhs.deletedTotal == rhs.deletedTotal
    }
}

extension Broker {
    /// Creates a queue. Creating one that exists with the same configuration does nothing, as in SQS;
    /// with a different one it is `.queueAlreadyExists`. A redrive policy must name an existing queue.
    public func createQueue(_ configuration: QueueConfiguration) async throws(BrokerError) {
        try configuration.validate()
        let limit = options.maximumQueues
        try await perform { (s, _) throws(BrokerError) -> Decision<Void> in
            if let existing = s.queues[configuration.name] {
                guard existing.configuration == configuration else {
                    return .reject(.queueAlreadyExists(configuration.name), observedLSN: s.appliedLSN)
                }
                return .answer((), observedLSN: s.appliedLSN)
            }
            guard s.queues.count < limit else { throw .validation("a broker holds at most \(limit) queues") }
            try Self.checkDeadLetterQueue(configuration, in: s)
            return .commit(.createQueue(configuration), ())
        }
    }

    /// Changes a queue's settings (visibility timeout, retention, delay, redrive policy…).
    public func configureQueue(_ configuration: QueueConfiguration) async throws(BrokerError) {
        try configuration.validate()
        try await perform { (s, _) throws(BrokerError) -> Decision<Void> in
            _ = try Self.queue(configuration.name, in: s)
            try Self.checkDeadLetterQueue(configuration, in: s)
            return .commit(.configureQueue(configuration), ())
        }
    }

    /// Deletes a queue and its messages; subscriptions delivering to it go too.
    public func deleteQueue(_ name: String) async throws(BrokerError) {
        try await perform { (s, _) throws(BrokerError) -> Decision<Void> in
            _ = try Self.queue(name, in: s)
            return .commit(.deleteQueue(name), ())
        }
        signal(name).notifyAll()
    }

    /// Names of all queues, sorted.
    public func queueNames() -> [String] {
        state.withLock { $0.queues.keys.sorted() }
    }

    /// The configuration of queue `name`, if it exists.
    public func configuration(of name: String) -> QueueConfiguration? {
        state.withLock { $0.queues[name]?.configuration }
    }

    /// Depths, ages and rates of queue `name`.
    public func stats(_ name: String) throws(BrokerError) -> QueueStats {
        let now = clock.now()
        let nowMillis = Self.millis(now)
        let counts = try state.withLock { (s) throws(BrokerError) -> QueueStats in
            guard s.queues[name] != nil else { throw .queueNotFound(name) }
            // Promotion is derived from time alone, so a read may do it.
            s.queues[name]!.promote(nowMillis: nowMillis)
            let queue = s.queues[name]!
            var deadLetter: (String, Int)? = nil
            if let dlq = queue.configuration.redrivePolicy?.deadLetterQueue, s.queues[dlq] != nil {
                s.queues[dlq]!.promote(nowMillis: nowMillis)
                deadLetter = (dlq, s.queues[dlq]!.visibleCount)
            }
            let age = s.queues[name]!.oldestAgeSeconds(nowMillis: nowMillis)
            return QueueStats(name: name, isFIFO: queue.isFIFO, visible: queue.visibleCount, inFlight: queue.inFlightCount,
                              delayed: queue.delayedCount, deadLetterQueue: deadLetter, oldestAgeSeconds: age,
                              sentTotal: queue.sentTotal, receivedTotal: queue.receivedTotal, deletedTotal: queue.deletedTotal,
                              sentRate: 0, receivedRate: 0, deletedRate: 0)
        }
        var stats = counts
        stats.sentRate = activity.rate(.sent, queue: name, at: now)
        stats.receivedRate = activity.rate(.received, queue: name, at: now)
        stats.deletedRate = activity.rate(.deleted, queue: name, at: now)
        return stats
    }

    /// The oldest messages in queue `name` (at most `limit`, up to 100), for an operator to look at: nothing
    /// is received, so no visibility timeout starts and no receive count moves.
    public func peek(_ name: String, limit: Int = 10) throws(BrokerError) -> [PeekedMessage] {
        let nowMillis = Self.millis(clock.now())
        return try state.withLock { (s) throws(BrokerError) -> [PeekedMessage] in
            guard s.queues[name] != nil else { throw .queueNotFound(name) }
            s.queues[name]!.promote(nowMillis: nowMillis)
            return s.queues[name]!.oldestMessages(limit: min(max(limit, 0), 100)).map { message in
                let state: PeekedMessage.State = switch message.phase {
                case .delayed: .delayed
                case .visible: .visible
                case .inFlight: .inFlight
                }
                return PeekedMessage(id: message.id, body: message.body, sentAt: Date(timeIntervalSince1970: Double(message.sentAtMillis) / 1000),
                                     receiveCount: message.receiveCount, groupID: message.groupID, state: state)
            }
        }
    }

    /// Stats of every queue, by name.
    public func allStats() -> [QueueStats] {
        queueNames().compactMap { try? stats($0) }
    }

    static func checkDeadLetterQueue(_ configuration: QueueConfiguration, in s: BrokerState) throws(BrokerError) {
        guard let dlq = configuration.redrivePolicy?.deadLetterQueue else { return }
        guard s.queues[dlq] != nil else {
            throw .validation("dead-letter queue \"\(dlq)\" does not exist; create it before naming it in a redrive policy")
        }
    }
}
