import Journal

/// Binary form of a whole `BrokerState`, streamed into a journal snapshot.
enum BrokerSnapshot {
    static let version: UInt64 = 1

    static func write(_ state: BrokerState, to output: inout SnapshotWriter) throws(JournalError) {
        var w = ByteWriter(capacity: 1 << 16)
        w.varint(version)
        w.varint(state.queues.count)
        for name in state.queues.keys.sorted() {
            let queue = state.queues[name]!
            BrokerCodec.write(queue.configuration, to: &w)
            w.varint(queue.nextSequence)
            w.varint(queue.sentTotal)
            w.varint(queue.receivedTotal)
            w.varint(queue.deletedTotal)
            w.varint(queue.deduplication.count)
            for (key, entry) in queue.deduplication {
                w.string(key)
                w.string(entry.messageID)
                w.varint(entry.sequence)
                w.signed(entry.expiresAtMillis)
            }
            let messages = queue.messagesInOrder
            w.varint(messages.count)
            for message in messages {
                w.string(message.id)
                w.string(message.body)
                BrokerCodec.write(message.attributes, to: &w)
                w.signed(message.sentAtMillis)
                w.signed(message.visibleAtMillis)
                w.varint(message.receiveCount)
                w.byte(message.phase.rawValue)
                w.optionalString(message.groupID)
                w.varint(message.sequence)
                w.optionalString(message.sourceQueue)
                if w.bytes.count >= 1 << 20 {
                    try output.write(w.bytes)
                    w.bytes.removeAll(keepingCapacity: true)
                }
            }
        }
        w.varint(state.topics.count)
        for name in state.topics.keys.sorted() {
            let topic = state.topics[name]!
            w.string(name)
            w.varint(topic.subscriptions.count)
            for subscription in topic.subscriptions.values { BrokerCodec.write(subscription, to: &w) }
        }
        try output.write(w.bytes)
    }

    static func read(_ body: UnsafeRawBufferPointer) throws(DecodingError) -> BrokerState {
        var r = ByteReader(body)
        guard try r.varint() == version else { throw DecodingError(message: "unknown broker snapshot version") }
        var state = BrokerState()
        let queueCount = try r.count()
        for _ in 0..<queueCount {
            var queue = QueueState(configuration: try BrokerCodec.readConfiguration(&r))
            let nextSequence = try r.varint()
            let totals = (sent: try r.integer(), received: try r.integer(), deleted: try r.integer())
            let deduplicationCount = try r.count()
            var entries: [(String, DeduplicationEntry)] = []
            for _ in 0..<deduplicationCount {
                entries.append((try r.string(), DeduplicationEntry(messageID: try r.string(), sequence: try r.varint(), expiresAtMillis: try r.signed())))
            }
            queue.restore(nextSequence: nextSequence, totals: totals, deduplication: entries.sorted { $0.1.expiresAtMillis < $1.1.expiresAtMillis })
            let messageCount = try r.count()
            for _ in 0..<messageCount {
                let id = try r.string(), body = try r.string()
                let attributes = try BrokerCodec.readAttributes(&r)
                let sentAt = try r.signed(), visibleAt = try r.signed()
                let receiveCount = try r.integer()
                guard let phase = MessagePhase(rawValue: try r.byte()) else { throw DecodingError(message: "unknown message phase") }
                let groupID = try r.optionalString()
                let sequence = try r.varint()
                let source = try r.optionalString()
                queue.restoreMessage(StoredMessage(id: id, body: body, attributes: attributes, sentAtMillis: sentAt, visibleAtMillis: visibleAt,
                                                   receiveCount: receiveCount, phase: phase, groupID: groupID, sequence: sequence,
                                                   sourceQueue: source))
            }
            state.queues[queue.configuration.name] = queue
        }
        let topicCount = try r.count()
        for _ in 0..<topicCount {
            var topic = TopicState(name: try r.string())
            let subscriptionCount = try r.count()
            for _ in 0..<subscriptionCount {
                let subscription = try BrokerCodec.readSubscription(&r)
                topic.subscriptions[subscription.id] = subscription
            }
            state.topics[topic.name] = topic
        }
        guard r.isAtEnd else { throw DecodingError(message: "trailing bytes in broker snapshot") }
        return state
    }
}
