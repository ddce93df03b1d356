import Foundation
import Hashing

extension Broker {
    /// Creates a topic (doing nothing if it exists).
    public func createTopic(_ name: String) async throws(BrokerError) {
        try Self.validateTopicName(name)
        let limit = options.maximumTopics
        try await perform { (s, _) throws(BrokerError) -> Decision<Void> in
            if s.topics[name] != nil { return .answer((), observedLSN: s.appliedLSN) }
            guard s.topics.count < limit else { throw .validation("a broker holds at most \(limit) topics") }
            return .commit(.createTopic(name), ())
        }
    }

    /// Deletes a topic and its subscriptions.
    public func deleteTopic(_ name: String) async throws(BrokerError) {
        try await perform { (s, _) throws(BrokerError) -> Decision<Void> in
            guard s.topics[name] != nil else { throw .topicNotFound(name) }
            return .commit(.deleteTopic(name), ())
        }
    }

    /// Subscribes `queue` to `topic`; messages published there reach the queue when they pass `filter`.
    /// Subscribing the same queue with the same filter again returns the existing subscription.
    @discardableResult
    public func subscribe(topic: String, queue: String, filter: FilterPolicy = FilterPolicy()) async throws(BrokerError) -> Subscription {
        let limit = options.maximumSubscriptionsPerTopic
        return try await perform { (s, _) throws(BrokerError) -> Decision<Subscription> in
            guard let existing = s.topics[topic] else { throw .topicNotFound(topic) }
            _ = try Self.queue(queue, in: s)
            if let same = existing.subscriptions.values.first(where: { $0.queue == queue && $0.filter == filter }) {
                return .answer(same, observedLSN: s.appliedLSN)
            }
            guard existing.subscriptions.count < limit else { throw .validation("topic \"\(topic)\" has its maximum of \(limit) subscriptions") }
            let subscription = Subscription(id: RandomUUID.next(), topic: topic, queue: queue, filter: filter)
            return .commit(.subscribe(subscription), subscription)
        }
    }

    /// Removes a subscription.
    public func unsubscribe(topic: String, subscriptionID: String) async throws(BrokerError) {
        try await perform { (s, _) throws(BrokerError) -> Decision<Void> in
            guard let existing = s.topics[topic] else { throw .topicNotFound(topic) }
            guard existing.subscriptions[subscriptionID] != nil else { throw .subscriptionNotFound(subscriptionID) }
            return .commit(.unsubscribe(topic: topic, id: subscriptionID), ())
        }
    }

    /// A topic's subscriptions, sorted by queue.
    public func subscriptions(of topic: String) throws(BrokerError) -> [Subscription] {
        try state.withLock { (s) throws(BrokerError) in
            guard let existing = s.topics[topic] else { throw .topicNotFound(topic) }
            return existing.subscriptions.values.sorted { ($0.queue, $0.id) < ($1.queue, $1.id) }
        }
    }

    /// Names of all topics, sorted.
    public func topicNames() -> [String] {
        state.withLock { $0.topics.keys.sorted() }
    }

    /// Publishes to every subscribed queue whose filter the message passes, in one durable write: all of
    /// those queues get it or none does. Returns what each queue reported, by queue name. FIFO subscribers
    /// need the message's group id (and a deduplication id unless their queue deduplicates by content).
    @discardableResult
    public func publish(topic: String, _ message: OutgoingMessage) async throws(BrokerError) -> [String: SendResult] {
        try Self.validateShape(message)
        let results = try await perform { (s, now) throws(BrokerError) -> Decision<[String: SendResult]> in
            guard let existing = s.topics[topic] else { throw .topicNotFound(topic) }
            var entries: [(queue: String, message: IncomingMessage)] = []
            var results: [String: SendResult] = [:]
            for subscription in existing.subscriptions.values.sorted(by: { $0.queue < $1.queue })
            where subscription.filter.accepts(message.attributes) && results[subscription.queue] == nil {
                guard let target = s.queues[subscription.queue] else { continue }
                let incoming = try Self.incoming(message, for: target.configuration, nowMillis: now)
                if let key = incoming.deduplicationID, let seen = target.deduplicationEntry(key, nowMillis: now) {
                    results[subscription.queue] = SendResult(messageID: seen.messageID, sequenceNumber: seen.sequence, wasDuplicate: true)
                    continue
                }
                results[subscription.queue] = SendResult(messageID: incoming.id, sequenceNumber: target.isFIFO ? target.nextSequence : nil,
                                                         wasDuplicate: false)
                entries.append((subscription.queue, incoming))
            }
            guard !entries.isEmpty else { return .answer(results, observedLSN: s.appliedLSN) }
            return .commit(.send(atMillis: now, entries: entries), results)
        }
        let now = clock.now()
        for (queue, result) in results where !result.wasDuplicate {
            activity.record(.sent, queue: queue, count: 1, at: now)
            signal(queue).notify(waking: 1)
        }
        return results
    }

    static func validateTopicName(_ name: String) throws(BrokerError) {
        let allowed = name.utf8.allSatisfy { c in
            (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_")
        }
        guard !name.isEmpty, name.utf8.count <= 256, allowed else {
            throw .validation("topic name \"\(name)\" must be 1 to 256 characters of letters, digits, '-' and '_'")
        }
    }
}
