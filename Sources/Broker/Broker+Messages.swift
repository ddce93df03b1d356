import Foundation
import Hashing

extension Broker {
    /// Most messages in one send, receive or delete batch (SQS: 10).
    public static let maximumBatch = 10
    /// Largest sum of message sizes in one batch (SQS: 256 KiB).
    public static let maximumBatchBytes = 256 * 1024

    /// Sends one message.
    @discardableResult
    public func send(_ queue: String, _ message: OutgoingMessage) async throws(BrokerError) -> SendResult {
        try await sendBatch(queue, [message])[0]
    }

    /// Sends up to 10 messages as one durable write: all are accepted or none.
    /// FIFO queues need a group id on each message and a deduplication id unless content-based
    /// deduplication is on; a message whose deduplication id was seen in the last 5 minutes is reported
    /// as a duplicate (with the original's id) and not enqueued again.
    public func sendBatch(_ queue: String, _ messages: [OutgoingMessage]) async throws(BrokerError) -> [SendResult] {
        guard (1...Self.maximumBatch).contains(messages.count) else {
            throw .validation("a send batch holds 1 to \(Self.maximumBatch) messages, got \(messages.count)")
        }
        let total = messages.reduce(0) { $0 + $1.byteCount }
        guard total <= Self.maximumBatchBytes else { throw .messageTooLarge(byteCount: total, limit: Self.maximumBatchBytes) }
        for message in messages { try Self.validateShape(message) }
        let results = try await perform { (s, now) throws(BrokerError) -> Decision<[SendResult]> in
            let target = try Self.queue(queue, in: s)
            var entries: [(queue: String, message: IncomingMessage)] = []
            var results: [SendResult] = []
            var batchDeduplication: [String: SendResult] = [:]
            var sequence = target.nextSequence
            for message in messages {
                let incoming = try Self.incoming(message, for: target.configuration, nowMillis: now)
                if let key = incoming.deduplicationID {
                    if let earlier = batchDeduplication[key] {
                        results.append(SendResult(messageID: earlier.messageID, sequenceNumber: earlier.sequenceNumber, wasDuplicate: true))
                        continue
                    }
                    if let seen = target.deduplicationEntry(key, nowMillis: now) {
                        results.append(SendResult(messageID: seen.messageID, sequenceNumber: seen.sequence, wasDuplicate: true))
                        continue
                    }
                }
                let result = SendResult(messageID: incoming.id, sequenceNumber: target.isFIFO ? sequence : nil, wasDuplicate: false)
                if let key = incoming.deduplicationID { batchDeduplication[key] = result }
                sequence += 1
                results.append(result)
                entries.append((queue, incoming))
            }
            guard !entries.isEmpty else { return .answer(results, observedLSN: s.appliedLSN) }
            return .commit(.send(atMillis: now, entries: entries), results)
        }
        let sent = results.filter { !$0.wasDuplicate }.count
        activity.record(.sent, queue: queue, count: sent, at: clock.now())
        // One waiting receiver per message: a receive takes what it finds, and the workers loop back for more.
        if sent > 0 { signal(queue).notify(waking: sent) }
        return results
    }

    /// Receives up to `maximum` (1–10) messages, hiding them from other receivers for the visibility
    /// timeout. With a wait (0–20 s; by default the queue's receive wait time) it long-polls: it returns as
    /// soon as a message can be received, or empty when the wait is over. FIFO queues hand out at most one
    /// message per group at a time, in order. A message already received `maxReceiveCount` times goes to
    /// the dead-letter queue instead of being delivered again.
    public func receive(_ queue: String, maximum: Int = 1, waitSeconds: Double? = nil,
                        visibilityTimeout: Double? = nil) async throws(BrokerError) -> [ReceivedMessage] {
        guard (1...Self.maximumBatch).contains(maximum) else {
            throw .validation("a receive takes 1 to \(Self.maximumBatch) messages, got \(maximum)")
        }
        if let waitSeconds { try QueueConfiguration.check("wait time", waitSeconds, 0...20) }
        if let visibilityTimeout { try QueueConfiguration.check("visibility timeout", visibilityTimeout, 0...43_200) }
        guard let configuration = configuration(of: queue) else { throw .queueNotFound(queue) }
        let deadline = clock.now().addingTimeInterval(waitSeconds ?? configuration.receiveWaitTime)
        let signal = signal(queue)
        while true {
            let generation = signal.generation
            let (messages, nextTimer) = try await receiveOnce(queue, maximum: maximum, visibilityTimeout: visibilityTimeout)
            let now = clock.now()
            if !messages.isEmpty {
                activity.record(.received, queue: queue, count: messages.count, at: now)
                return messages
            }
            if now >= deadline || Task.isCancelled { return [] }
            var wakeAt = deadline
            if let nextTimer { wakeAt = min(wakeAt, Date(timeIntervalSince1970: Double(nextTimer) / 1000)) }
            if wakeAt > now { await signal.wait(after: generation, until: wakeAt, clock: clock) }
        }
    }

    /// One receive attempt: delivers what is visible now, moves and expires what it must; reports the next
    /// time something may become visible.
    private func receiveOnce(_ queue: String, maximum: Int, visibilityTimeout: Double?) async throws(BrokerError) -> ([ReceivedMessage], Int64?) {
        try await perform { (s, now) throws(BrokerError) -> Decision<([ReceivedMessage], Int64?)> in
            guard s.queues[queue] != nil else { throw .queueNotFound(queue) }
            s.queues[queue]!.promote(nowMillis: now)
            s.queues[queue]!.pruneDeduplication(nowMillis: now)
            let source = s.queues[queue]!
            let deadLetterQueue = source.configuration.redrivePolicy.map(\.deadLetterQueue).flatMap { s.queues[$0] == nil ? nil : $0 }
            let plan = source.planReceive(maximum: maximum, nowMillis: now, deadLetterQueueExists: deadLetterQueue != nil)
            guard !plan.delivered.isEmpty || !plan.moved.isEmpty || !plan.expired.isEmpty else {
                return .answer(([], source.nextTimerMillis), observedLSN: s.appliedLSN)
            }
            let timeout = Int64((visibilityTimeout ?? source.configuration.visibilityTimeout) * 1000)
            var deliveries: [Delivery] = []
            var received: [ReceivedMessage] = []
            for id in plan.delivered {
                let message = source.messages[id]!
                let count = message.receiveCount + 1
                deliveries.append(Delivery(id: id, receiveCount: count, visibleAtMillis: now + timeout))
                received.append(ReceivedMessage(messageID: id, receiptHandle: ReceiptHandle(messageID: id, receiveCount: count).text,
                                                body: message.body, attributes: message.attributes, receiveCount: count,
                                                sentAtMillis: message.sentAtMillis, groupID: message.groupID,
                                                sequenceNumber: source.isFIFO ? message.sequence : nil))
            }
            return .commit(.receive(queue: queue, atMillis: now, delivered: deliveries, moved: plan.moved,
                                    deadLetterQueue: deadLetterQueue, expired: plan.expired), (received, nil))
        }
    }

    /// Deletes a received message. Deleting a message that is already gone succeeds; a receipt handle from
    /// an earlier receive of the message is refused.
    public func delete(_ queue: String, receiptHandle: String) async throws(BrokerError) {
        if let failure = try await deleteBatch(queue, receiptHandles: [receiptHandle])[0] { throw failure }
    }

    /// Deletes up to 10 received messages in one durable write; reports per handle (nil: deleted).
    public func deleteBatch(_ queue: String, receiptHandles: [String]) async throws(BrokerError) -> [BrokerError?] {
        guard (1...Self.maximumBatch).contains(receiptHandles.count) else {
            throw .validation("a delete batch holds 1 to \(Self.maximumBatch) receipt handles, got \(receiptHandles.count)")
        }
        let (outcomes, deleted) = try await perform { (s, _) throws(BrokerError) -> Decision<([BrokerError?], Int)> in
            let source = try Self.queue(queue, in: s)
            var outcomes: [BrokerError?] = []
            var ids: [String] = []
            for text in receiptHandles {
                guard let handle = ReceiptHandle(text) else {
                    outcomes.append(.receiptHandleInvalid(text))
                    continue
                }
                guard let message = source.messages[handle.messageID] else {
                    outcomes.append(nil)
                    continue
                }
                guard message.receiveCount == handle.receiveCount else {
                    outcomes.append(.receiptHandleInvalid(text))
                    continue
                }
                if !ids.contains(handle.messageID) { ids.append(handle.messageID) }
                outcomes.append(nil)
            }
            guard !ids.isEmpty else { return .answer((outcomes, 0), observedLSN: s.appliedLSN) }
            return .commit(.delete(queue: queue, ids: ids), (outcomes, ids.count))
        }
        activity.record(.deleted, queue: queue, count: deleted, at: clock.now())
        // In a FIFO queue a delete unlocks the message's group: the next message in it may be received now.
        if deleted > 0, configuration(of: queue)?.isFIFO == true { signal(queue).notify(waking: deleted) }
        return outcomes
    }

    /// Changes how long a received message stays hidden, from now (0 makes it visible at once).
    public func changeVisibility(_ queue: String, receiptHandle: String, timeout: Double) async throws(BrokerError) {
        try QueueConfiguration.check("visibility timeout", timeout, 0...43_200)
        try await perform { (s, now) throws(BrokerError) -> Decision<Void> in
            let source = try Self.queue(queue, in: s)
            guard let handle = ReceiptHandle(receiptHandle) else { throw .receiptHandleInvalid(receiptHandle) }
            guard let message = source.messages[handle.messageID], message.receiveCount == handle.receiveCount else {
                throw .receiptHandleInvalid(receiptHandle)
            }
            guard message.phase == .inFlight else { throw .messageNotInFlight(receiptHandle) }
            return .commit(.changeVisibility(queue: queue, id: message.id, visibleAtMillis: now + Int64(timeout * 1000)), ())
        }
        if timeout == 0 { signal(queue).notifyAll() }
    }

    /// Deletes every message in the queue.
    public func purge(_ queue: String) async throws(BrokerError) {
        try await perform { (s, _) throws(BrokerError) -> Decision<Void> in
            _ = try Self.queue(queue, in: s)
            return .commit(.purge(queue), ())
        }
    }

    /// Moves messages out of a dead-letter queue — back to the queues they came from, or all to
    /// `destination` — as fresh messages (receive count 0). Returns how many moved; messages whose source
    /// queue no longer exists stay. Moves at most 10 000 per call.
    @discardableResult
    public func redrive(deadLetterQueue: String, to destination: String? = nil) async throws(BrokerError) -> Int {
        let moves = try await perform { (s, now) throws(BrokerError) -> Decision<[(id: String, to: String)]> in
            let dlq = try Self.queue(deadLetterQueue, in: s)
            if let destination {
                let target = try Self.queue(destination, in: s)
                guard target.isFIFO == dlq.isFIFO else { throw .validation("cannot redrive between a FIFO and a standard queue") }
            }
            var moves: [(id: String, to: String)] = []
            for message in dlq.messagesInOrder.prefix(10_000) {
                guard let to = destination ?? message.sourceQueue, to != deadLetterQueue, s.queues[to] != nil else { continue }
                moves.append((message.id, to))
            }
            guard !moves.isEmpty else { return .answer([], observedLSN: s.appliedLSN) }
            return .commit(.redrive(from: deadLetterQueue, atMillis: now, moves: moves), moves)
        }
        for queue in Set(moves.map(\.to)) { signal(queue).notifyAll() }
        return moves.count
    }

    // MARK: Validation

    /// Checks what can be checked without the queue: sizes, attribute names and counts, characters.
    static func validateShape(_ message: OutgoingMessage) throws(BrokerError) {
        guard !message.body.isEmpty else { throw .validation("a message body must not be empty") }
        let allowed = message.body.unicodeScalars.allSatisfy { s in
            s == "\t" || s == "\n" || s == "\r" || (s.value >= 0x20 && s.value <= 0xD7FF) || (s.value >= 0xE000 && s.value <= 0xFFFD) || s.value >= 0x10000
        }
        guard allowed else { throw .validation("a message body may not contain control characters other than tab, newline and carriage return") }
        guard message.attributes.count <= 10 else { throw .validation("a message carries at most 10 attributes, got \(message.attributes.count)") }
        for name in message.attributes.keys {
            let valid = !name.isEmpty && name.utf8.count <= 256 && name.utf8.allSatisfy { c in
                (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
                    || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "-") || c == UInt8(ascii: "_") || c == UInt8(ascii: ".")
            }
            guard valid else { throw .validation("attribute name \"\(name)\" must be 1 to 256 characters of letters, digits, '-', '_' and '.'") }
        }
        for (name, value) in message.attributes {
            if case .number(let text) = value, Double(text) == nil {
                throw .validation("attribute \"\(name)\" is declared a number but \"\(text)\" is not one")
            }
        }
        if let delay = message.delaySeconds { try QueueConfiguration.check("message delay", delay, 0...900) }
    }

    /// The message as it will enter `configuration`'s queue, or why it cannot.
    static func incoming(_ message: OutgoingMessage, for configuration: QueueConfiguration, nowMillis: Int64) throws(BrokerError) -> IncomingMessage {
        guard message.byteCount <= configuration.maximumMessageBytes else {
            throw .messageTooLarge(byteCount: message.byteCount, limit: configuration.maximumMessageBytes)
        }
        var delay = configuration.delay
        var deduplicationID: String? = nil
        if configuration.isFIFO {
            guard let group = message.groupID, (1...128).contains(group.utf8.count) else {
                throw .validation("FIFO queue \"\(configuration.name)\" needs a message group id (1 to 128 characters) on every message")
            }
            guard message.delaySeconds == nil else {
                throw .validation("FIFO queue \"\(configuration.name)\" takes no per-message delay; set the queue's delay instead")
            }
            if let given = message.deduplicationID {
                guard (1...128).contains(given.utf8.count) else { throw .validation("a deduplication id is 1 to 128 characters") }
                deduplicationID = given
            } else if configuration.contentBasedDeduplication {
                deduplicationID = Hex.encode(SHA256.hash(Array(message.body.utf8)))
            } else {
                throw .validation("FIFO queue \"\(configuration.name)\" needs a deduplication id, or content-based deduplication turned on")
            }
        } else {
            guard message.groupID == nil, message.deduplicationID == nil else {
                throw .validation("group and deduplication ids apply to FIFO queues only; \"\(configuration.name)\" is standard")
            }
            if let own = message.delaySeconds { delay = own }
        }
        return IncomingMessage(id: RandomUUID.next(), body: message.body, attributes: message.attributes,
                               sentAtMillis: nowMillis, visibleAtMillis: nowMillis + Int64(delay * 1000), receiveCount: 0,
                               groupID: message.groupID, deduplicationID: deduplicationID, sourceQueue: nil)
    }
}

/// A receipt handle names a message and the receive that produced it: a later receive makes it stale.
struct ReceiptHandle: Equatable {
    var messageID: String
    var receiveCount: Int

    init(messageID: String, receiveCount: Int) {
        self.messageID = messageID
        self.receiveCount = receiveCount
    }

    init?(_ text: String) {
        guard text.utf8.count <= 256, let separator = text.lastIndex(of: "~"),
              let count = Int(text[text.index(after: separator)...]), count > 0 else { return nil }
        messageID = String(text[..<separator])
        receiveCount = count
        guard !messageID.isEmpty else { return nil }
    }

    var text: String { "\(messageID)~\(receiveCount)" }
}
