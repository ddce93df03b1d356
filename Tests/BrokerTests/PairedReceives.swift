import Synchronization
@testable import Broker

/// A broker that holds each receive, after the first, until another receive is under way too or two seconds
/// have passed — so a pool that never has two receives going at once is slowed to one receive per two
/// seconds and never counts two in flight — and counts the receives in flight, and the long polls among
/// them. (Held without the time bound, the pollers' test hung in two full runs of the suite, once the pool's
/// state left a single receiver waiting for a partner; bounded, such a run still fails its count, not CI.)
final class PairedReceives: MessageBroker {
    struct Counts {
        var inFlight = 0
        var mostInFlight = 0
        var longPolls = 0
        var mostLongPolls = 0
        var receives = 0
        var held: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    let base: Broker
    let counts = Mutex(Counts())

    init(_ base: Broker) { self.base = base }

    func receive(_ queue: String, maximum: Int, waitSeconds: Double?, visibilityTimeout: Double?) async throws(BrokerError) -> [ReceivedMessage] {
        let long = (waitSeconds ?? 0) > 0
        let ticket = counts.withLock { c -> Int in
            c.receives += 1
            c.inFlight += 1
            c.mostInFlight = max(c.mostInFlight, c.inFlight)
            if long { c.longPolls += 1; c.mostLongPolls = max(c.mostLongPolls, c.longPolls) }
            return c.receives
        }
        // Held until a second receive is under way, two seconds pass, or a stopping pool cancels it.
        let bound = Task {
            try? await Task.sleep(for: .seconds(2))
            self.counts.withLock { $0.held.removeValue(forKey: ticket) }?.resume()
        }
        defer { bound.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let released = counts.withLock { c -> [CheckedContinuation<Void, Never>] in
                    if ticket > 1, c.mostInFlight < 2, !Task.isCancelled {
                        c.held[ticket] = continuation
                        return []
                    }
                    defer { c.held.removeAll() }
                    return Array(c.held.values) + [continuation]
                }
                for waiting in released { waiting.resume() }
            }
        } onCancel: {
            counts.withLock { $0.held.removeValue(forKey: ticket) }?.resume()
        }
        defer {
            counts.withLock { c in
                c.inFlight -= 1
                if long { c.longPolls -= 1 }
            }
        }
        return try await base.receive(queue, maximum: maximum, waitSeconds: waitSeconds, visibilityTimeout: visibilityTimeout)
    }

    func createQueue(_ configuration: QueueConfiguration) async throws(BrokerError) { try await base.createQueue(configuration) }
    func queueNames() async -> [String] { base.queueNames() }
    func configuration(of name: String) async -> QueueConfiguration? { base.configuration(of: name) }
    func send(_ queue: String, _ message: OutgoingMessage) async throws(BrokerError) -> SendResult { try await base.send(queue, message) }
    func sendBatch(_ queue: String, _ messages: [OutgoingMessage]) async throws(BrokerError) -> [SendResult] { try await base.sendBatch(queue, messages) }
    func delete(_ queue: String, receiptHandle: String) async throws(BrokerError) { try await base.delete(queue, receiptHandle: receiptHandle) }
    func deleteBatch(_ queue: String, receiptHandles: [String]) async throws(BrokerError) -> [BrokerError?] {
        try await base.deleteBatch(queue, receiptHandles: receiptHandles)
    }
    func changeVisibility(_ queue: String, receiptHandle: String, timeout: Double) async throws(BrokerError) {
        try await base.changeVisibility(queue, receiptHandle: receiptHandle, timeout: timeout)
    }
    func purge(_ queue: String) async throws(BrokerError) { try await base.purge(queue) }
    func redrive(deadLetterQueue: String, to destination: String?) async throws(BrokerError) -> Int {
        try await base.redrive(deadLetterQueue: deadLetterQueue, to: destination)
    }
    func createTopic(_ name: String) async throws(BrokerError) { try await base.createTopic(name) }
    func subscribe(topic: String, queue: String, filter: FilterPolicy) async throws(BrokerError) -> Subscription {
        try await base.subscribe(topic: topic, queue: queue, filter: filter)
    }
    func unsubscribe(topic: String, subscriptionID: String) async throws(BrokerError) { try await base.unsubscribe(topic: topic, subscriptionID: subscriptionID) }
    func subscriptions(of topic: String) async throws(BrokerError) -> [Subscription] { try base.subscriptions(of: topic) }
    func publish(topic: String, _ message: OutgoingMessage) async throws(BrokerError) -> [String: SendResult] { try await base.publish(topic: topic, message) }
    func stats(_ name: String) async throws(BrokerError) -> QueueStats { try base.stats(name) }
    func allStats() async -> [QueueStats] { base.allStats() }
    func peek(_ name: String, limit: Int) async throws(BrokerError) -> [PeekedMessage] { try base.peek(name, limit: limit) }
}
