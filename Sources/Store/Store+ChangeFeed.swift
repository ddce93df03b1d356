import Foundation

extension Store {
    /// Longest consumer name accepted.
    public static let maximumConsumerNameLength = 128

    /// Registers a change-feed consumer following `tables` (nil: all tables). It receives every change
    /// committed after registration, in commit order (so in order per key), until it acknowledges them.
    /// Registering again with the same filter keeps its position.
    public func registerConsumer(_ name: String, tables: Set<String>? = nil) async throws(StoreError) {
        guard !name.isEmpty, name.count <= Self.maximumConsumerNameLength else {
            throw .validation("consumer names are 1 to \(Self.maximumConsumerNameLength) characters long")
        }
        try await perform(.changeFeed) { (s, _) throws(StoreError) -> Decision<Void> in
            if let existing = s.feed.consumers[name], existing.tables == tables { return .answer((), observedLSN: s.appliedLSN) }
            return .commit(.registerConsumer(name: name, tables: tables), ())
        }
    }

    /// Removes a consumer; the changes only it needed are released.
    public func unregisterConsumer(_ name: String) async throws(StoreError) {
        try await perform(.changeFeed) { (s, _) throws(StoreError) -> Decision<Void> in
            guard s.feed.consumers[name] != nil else { throw .consumerNotFound(name) }
            return .commit(.unregisterConsumer(name), ())
        }
    }

    /// Up to `limit` durable changes after the consumer's acknowledged position, oldest first. With
    /// `waitSeconds` > 0 it waits (long polling) until a change arrives or the time is up.
    /// The same changes come back until they are acknowledged, so a consumer that crashes mid-batch loses none.
    public func changes(for consumer: String, limit: Int = 100, waitSeconds: Double = 0) async throws(StoreError) -> [ChangeRecord] {
        guard (1...10_000).contains(limit) else { throw .validation("limit must be between 1 and 10000, got \(limit)") }
        let deadline = clock.now().addingTimeInterval(max(0, min(waitSeconds, 20)))
        while true {
            let seen = changeSignal.generation
            let durable = journal.durableLSN
            let batch = try state.withLock { (s) throws(StoreError) in try s.feed.pending(for: consumer, limit: limit, durableLSN: durable) }
            if !batch.isEmpty || clock.now() >= deadline { return batch }
            if Task.isCancelled { return [] }
            await changeSignal.wait(after: seen, until: deadline, clock: clock)
        }
    }

    /// Marks every change up to `sequence` as processed by `consumer`, durably.
    public func acknowledge(_ consumer: String, through sequence: UInt64) async throws(StoreError) {
        try await perform(.changeFeed) { (s, _) throws(StoreError) -> Decision<Void> in
            guard let existing = s.feed.consumers[consumer] else { throw .consumerNotFound(consumer) }
            guard sequence > existing.acknowledged else { return .answer((), observedLSN: s.appliedLSN) }
            guard sequence < s.feed.nextSequence else {
                throw .validation("cannot acknowledge change \(sequence): the feed has only reached \(s.feed.nextSequence - 1)")
            }
            return .commit(.acknowledge(consumer: consumer, sequence: sequence), ())
        }
    }

    /// The position of the most recent change, for exports that pair a snapshot with the feed after it.
    public var changeFeedPosition: UInt64 { state.withLock { $0.feed.nextSequence - 1 } }
}
