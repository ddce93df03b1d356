/// What the shop needs of a message broker — SQS and SNS as the shop calls them: queues (standard and
/// FIFO, with a dead-letter queue and redrive), topics with filtered subscriptions, sends, long-polled
/// receives and deletes in batches, visibility changes, purges, and what operators read (statistics, a
/// peek at waiting messages where the backend can give one).
///
/// The embedded `Broker` is one; a backend on SQS and SNS is another. Every call is `async` here, since
/// on AWS each is a request: the embedded broker's synchronous reads satisfy them as they are.
public protocol MessageBroker: Sendable {
    /// Creates a queue (doing nothing if one with the same configuration exists).
    func createQueue(_ configuration: QueueConfiguration) async throws(BrokerError)
    func queueNames() async -> [String]
    func configuration(of name: String) async -> QueueConfiguration?

    @discardableResult
    func send(_ queue: String, _ message: OutgoingMessage) async throws(BrokerError) -> SendResult
    @discardableResult
    func sendBatch(_ queue: String, _ messages: [OutgoingMessage]) async throws(BrokerError) -> [SendResult]
    /// Up to `maximum` (1–10) messages, long-polling up to `waitSeconds` (the queue's own wait when nil).
    func receive(_ queue: String, maximum: Int, waitSeconds: Double?, visibilityTimeout: Double?) async throws(BrokerError) -> [ReceivedMessage]
    func delete(_ queue: String, receiptHandle: String) async throws(BrokerError)
    /// One result per handle: nil where the delete succeeded.
    @discardableResult
    func deleteBatch(_ queue: String, receiptHandles: [String]) async throws(BrokerError) -> [BrokerError?]
    func changeVisibility(_ queue: String, receiptHandle: String, timeout: Double) async throws(BrokerError)
    func purge(_ queue: String) async throws(BrokerError)
    /// Moves a dead-letter queue's messages back (to `destination`, or to the queues that feed it); how many.
    @discardableResult
    func redrive(deadLetterQueue: String, to destination: String?) async throws(BrokerError) -> Int

    func createTopic(_ name: String) async throws(BrokerError)
    @discardableResult
    func subscribe(topic: String, queue: String, filter: FilterPolicy) async throws(BrokerError) -> Subscription
    func unsubscribe(topic: String, subscriptionID: String) async throws(BrokerError)
    func subscriptions(of topic: String) async throws(BrokerError) -> [Subscription]
    /// Delivers to every subscribed queue whose filter matches; the result per queue.
    @discardableResult
    func publish(topic: String, _ message: OutgoingMessage) async throws(BrokerError) -> [String: SendResult]

    func stats(_ name: String) async throws(BrokerError) -> QueueStats
    func allStats() async -> [QueueStats]
    /// Waiting messages without receiving them; a backend that cannot peek (SQS) says so with `.unsupported`.
    func peek(_ name: String, limit: Int) async throws(BrokerError) -> [PeekedMessage]
}

/// The calls without their optional parts, as the shop mostly makes them.
extension MessageBroker {
    public func receive(_ queue: String, maximum: Int = 1, waitSeconds: Double? = nil) async throws(BrokerError) -> [ReceivedMessage] {
        try await receive(queue, maximum: maximum, waitSeconds: waitSeconds, visibilityTimeout: nil)
    }

    @discardableResult
    public func subscribe(topic: String, queue: String) async throws(BrokerError) -> Subscription {
        try await subscribe(topic: topic, queue: queue, filter: FilterPolicy())
    }

    @discardableResult
    public func redrive(deadLetterQueue: String) async throws(BrokerError) -> Int {
        try await redrive(deadLetterQueue: deadLetterQueue, to: nil)
    }
}

extension Broker: MessageBroker {}
