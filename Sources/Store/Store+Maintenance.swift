import Foundation
import Journal
import Telemetry

/// What one maintenance pass did.
public struct MaintenanceReport: Sendable, Equatable {
    /// Expired items removed.
    public var expiredItemsRemoved = 0
    /// Whether a snapshot was written (and the journal compacted).
    public var snapshotWritten = false
}

extension Store {
    /// One pass of housekeeping: remove expired items, forget client tokens older than 10 minutes, and
    /// snapshot the store when the journal has grown past the larger of the configured minimum and the live data.
    @discardableResult
    public func runMaintenance() async throws(StoreError) -> MaintenanceReport {
        var report = MaintenanceReport()
        report.expiredItemsRemoved = try await removeExpiredItems(limit: options.expiredItemsPerPass)
        let nowMillis = Self.millis(clock.now())
        let liveBytes = state.withLock { s in
            s.tokens.prune(nowMillis: nowMillis)
            return s.tables.values.reduce(0) { $0 + $1.byteCount }
        }
        if journal.stats.bytesSinceSnapshot >= max(options.snapshotMinimumJournalBytes, liveBytes) {
            report.snapshotWritten = try await snapshot()
        }
        return report
    }

    /// Removes up to `limit` items whose time to live has passed. The removals appear in the change feed
    /// with origin `.timeToLive`.
    @discardableResult
    public func removeExpiredItems(limit: Int = 1000) async throws(StoreError) -> Int {
        try await perform(.timeToLive) { (s, now) throws(StoreError) -> Decision<Int> in
            let nowSeconds = Self.epochSeconds(now)
            let ttlItems = s.tables.values.filter { $0.schema.timeToLiveAttribute != nil }.reduce(0) { $0 + $1.itemCount }
            if s.expiry.count > 2 * ttlItems + 1024 { s.expiry.rebuild(from: s.tables) }
            var seen = Set<PrimaryKeyInTable>()
            var mutations: [Mutation] = []
            while mutations.count < limit, let earliest = s.expiry.earliest, earliest.expiresAt <= nowSeconds {
                _ = s.expiry.popEarliest()
                // Entries go stale when an item is rewritten or deleted: act only on items still expired now.
                guard let stored = s.tables[earliest.table]?.get(earliest.key), stored.expiresAt == earliest.expiresAt,
                      !stored.isVisible(atEpochSecond: nowSeconds),
                      seen.insert(PrimaryKeyInTable(table: earliest.table, key: earliest.key)).inserted
                else { continue }
                mutations.append(Mutation(table: earliest.table, key: earliest.key, newItem: nil, size: 0))
            }
            guard !mutations.isEmpty else { return .answer(0, observedLSN: 0) }
            let batch = WriteBatch(timestampMillis: Self.millis(now), origin: .timeToLive, mutations: mutations)
            return .commit(.write(batch), mutations.count)
        }
    }

    /// Writes a snapshot of the whole store and compacts the journal behind it. Returns false when another
    /// snapshot was already being written.
    @discardableResult
    public func snapshot() async throws(StoreError) -> Bool {
        do throws(JournalError) {
            return try await journal.snapshot(of: state, appliedLSN: \.appliedLSN) { copy, writer throws(JournalError) in
                try SnapshotCodec.write(copy, to: &writer)
            }
        } catch {
            throw Self.mapJournal(error)
        }
    }
}

/// A key qualified by its table, for de-duplication across tables.
struct PrimaryKeyInTable: Hashable {
    var table: String
    var key: PrimaryKey
}
