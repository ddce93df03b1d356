import Journal

/// A topic's subscription: a queue and the filter its messages must pass.
public struct Subscription: Sendable, Hashable {
    public var id: String
    public var topic: String
    public var queue: String
    public var filter: FilterPolicy

    public init(id: String, topic: String, queue: String, filter: FilterPolicy) {
        self.id = id
        self.topic = topic
        self.queue = queue
        self.filter = filter
    }
}

/// A topic: a name and its subscriptions.
struct TopicState: Sendable {
    var name: String
    var subscriptions: [String: Subscription] = [:]
}

/// A delivery decided by a receive: the message, its new receive count and when it becomes visible again.
struct Delivery: Sendable {
    var id: String
    var receiveCount: Int
    var visibleAtMillis: Int64
}

/// Everything the broker holds in memory. Applying journal records in order rebuilds it exactly; the live
/// path and recovery both come through `apply`.
struct BrokerState: Sendable {
    var queues: [String: QueueState] = [:]
    var topics: [String: TopicState] = [:]
    var appliedLSN: UInt64 = 0

    mutating func apply(_ record: BrokerRecord, lsn: UInt64) throws(DecodingError) {
        appliedLSN = lsn
        switch record {
        case .createQueue(let configuration):
            queues[configuration.name] = QueueState(configuration: configuration)
        case .configureQueue(let configuration):
            guard queues[configuration.name] != nil else { throw DecodingError(message: "configure unknown queue \(configuration.name)") }
            queues[configuration.name]!.configuration = configuration
        case .deleteQueue(let name):
            queues[name] = nil
            for topic in topics.keys {
                topics[topic]!.subscriptions = topics[topic]!.subscriptions.filter { $0.value.queue != name }
            }
        case let .send(atMillis, entries):
            for (queue, message) in entries {
                guard queues[queue] != nil else { throw DecodingError(message: "send to unknown queue \(queue)") }
                queues[queue]!.insert(message, atMillis: atMillis)
            }
        case let .receive(queue, atMillis, delivered, moved, deadLetterQueue, expired):
            guard queues[queue] != nil else { throw DecodingError(message: "receive from unknown queue \(queue)") }
            for id in expired { queues[queue]!.remove(id) }
            for delivery in delivered {
                queues[queue]!.markReceived(delivery.id, receiveCount: delivery.receiveCount, visibleAtMillis: delivery.visibleAtMillis)
            }
            if let deadLetterQueue {
                for id in moved { try move(id, from: queue, to: deadLetterQueue, atMillis: atMillis, keepingReceives: true) }
            }
        case let .delete(queue, ids):
            for id in ids { queues[queue]?.remove(id, deleted: true) }
        case let .changeVisibility(queue, id, visibleAtMillis):
            queues[queue]?.setVisibility(id, visibleAtMillis: visibleAtMillis)
        case .purge(let queue):
            queues[queue]?.removeAll()
        case let .expire(queue, ids):
            for id in ids { queues[queue]?.remove(id) }
        case let .redrive(from, atMillis, moves):
            for (id, destination) in moves { try move(id, from: from, to: destination, atMillis: atMillis, keepingReceives: false) }
        case .createTopic(let name):
            topics[name] = TopicState(name: name)
        case .deleteTopic(let name):
            topics[name] = nil
        case .subscribe(let subscription):
            topics[subscription.topic]?.subscriptions[subscription.id] = subscription
        case let .unsubscribe(topic, id):
            topics[topic]?.subscriptions[id] = nil
        }
    }

    /// Moves a message between queues: into a dead-letter queue (keeping its receive count and noting where
    /// it came from) or back out of one (as a fresh message).
    private mutating func move(_ id: String, from: String, to: String, atMillis: Int64, keepingReceives: Bool) throws(DecodingError) {
        guard queues[to] != nil else { throw DecodingError(message: "move to unknown queue \(to)") }
        guard let message = queues[from]?.remove(id) else { return }
        queues[to]!.insert(IncomingMessage(id: message.id, body: message.body, attributes: message.attributes,
                                           sentAtMillis: message.sentAtMillis, visibleAtMillis: atMillis,
                                           receiveCount: keepingReceives ? message.receiveCount : 0,
                                           groupID: message.groupID, deduplicationID: nil,
                                           sourceQueue: keepingReceives ? from : nil), atMillis: atMillis)
    }
}
