import Broker

/// The shop's topics and queues: `orders` fans out to `checkout` (order-placed), `analytics` and
/// `notifications` (order-confirmed: analytics counts units sold, so placed orders are not its business);
/// drop entries go through `drop-entries.fifo`. Every queue has a dead-letter queue after 5 receives.
/// Declared at every start: existing queues are left as they are, the topic's subscriptions made as above.
enum Messaging {
    static let checkout = "checkout"
    static let analytics = "analytics"
    static let notifications = "notifications"
    static let dropEntries = "drop-entries.fifo"

    static func declare(_ broker: any MessageBroker) async throws(BrokerError) {
        for name in [checkout, analytics, notifications, dropEntries] {
            let dlq = name.hasSuffix(".fifo") ? name.dropLast(5) + "-dlq.fifo" : name + "-dlq"
            try await createIfMissing(broker, QueueConfiguration(name: String(dlq)))
            var queue = QueueConfiguration(name: name)
            queue.redrivePolicy = RedrivePolicy(deadLetterQueue: String(dlq), maxReceiveCount: 5)
            queue.visibilityTimeout = 60
            try await createIfMissing(broker, queue)
        }
        try await broker.createTopic(Orders.topic)
        let wanted = [(checkout, FilterPolicy(["event": [.equals("order-placed")]])),
                      (analytics, FilterPolicy(["event": [.equals("order-confirmed")]])),
                      (notifications, FilterPolicy(["event": [.equals("order-confirmed")]]))]
        // A data directory from an earlier version may hold subscriptions with other filters: drop those, so
        // no queue gets a message twice.
        for existing in try await broker.subscriptions(of: Orders.topic)
        where !wanted.contains(where: { $0.0 == existing.queue && $0.1 == existing.filter }) {
            try await broker.unsubscribe(topic: Orders.topic, subscriptionID: existing.id)
        }
        for (queue, filter) in wanted { try await broker.subscribe(topic: Orders.topic, queue: queue, filter: filter) }
    }

    private static func createIfMissing(_ broker: any MessageBroker, _ configuration: QueueConfiguration) async throws(BrokerError) {
        do {
            try await broker.createQueue(configuration)
        } catch {
            if case .queueAlreadyExists = error { return }
            throw error
        }
    }
}
