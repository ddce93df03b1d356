import Foundation
import Journal
import Telemetry

extension Broker {
    /// One pass of housekeeping: drop messages kept past their queue's retention period, forget old
    /// deduplication ids, and snapshot when the journal has grown past the larger of the configured
    /// minimum and the live data. Returns how many messages expired.
    @discardableResult
    public func runMaintenance() async throws(BrokerError) -> Int {
        var expired = 0
        for queue in queueNames() {
            let ids = try await perform { (s, now) throws(BrokerError) -> Decision<[String]> in
                guard s.queues[queue] != nil else { return .answer([], observedLSN: 0) }
                s.queues[queue]!.pruneDeduplication(nowMillis: now)
                let ids = s.queues[queue]!.expiredMessages(nowMillis: now, limit: 10_000)
                guard !ids.isEmpty else { return .answer([], observedLSN: 0) }
                return .commit(.expire(queue: queue, ids: ids), ids)
            }
            expired += ids.count
        }
        let liveBytes = state.withLock { s in s.queues.values.reduce(0) { $0 + $1.liveBytes } }
        if journal.stats.bytesSinceSnapshot >= max(options.snapshotMinimumJournalBytes, liveBytes) {
            _ = try await snapshot()
        }
        return expired
    }

    /// Writes a snapshot of the whole broker and compacts the journal behind it. False when another
    /// snapshot is already being written or there is nothing to snapshot.
    @discardableResult
    public func snapshot() async throws(BrokerError) -> Bool {
        do throws(JournalError) {
            return try await journal.snapshot(of: state, appliedLSN: \.appliedLSN) { copy, writer throws(JournalError) in
                try BrokerSnapshot.write(copy, to: &writer)
            }
        } catch {
            throw error == .closed ? .closed : .journal(error)
        }
    }
}

extension Broker {
    /// The broker's journal: records and fsyncs so far (the shop's status reports them per journal).
    public var journalStats: JournalStats { journal.stats }
}
