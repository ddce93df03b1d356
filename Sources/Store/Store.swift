import Foundation
import Journal
import Synchronization
import Telemetry

/// A DynamoDB-like document store on the journal: tables of items addressed by partition and sort key,
/// conditional writes, atomic counters, transactions, queries, a change feed and per-item expiry.
///
/// Every acknowledged write is durable: a call returns only after its journal record is on disk, and
/// reads never return data whose record is not on disk yet. Writes are applied in memory in journal
/// order under one lock, and concurrent writers share fsyncs through the journal's group commit, so a
/// hot item can take many conditional decrements per fsync and still never oversell.
public final class Store: Sendable {
    /// What came of a request, decided under the state lock.
    typealias Decision<Result: Sendable> = JournalDecision<StoreRecord, Result, StoreError>

    let journal: Journal
    let state: LockedState<StoreState>
    let clock: any WallClock
    let options: StoreOptions
    let metrics: StoreMetrics
    let changeSignal = WakeSignal()
    let lifecycle = ComponentLifecycle()

    /// Opens the store in `directory` (created if missing), recovering every acknowledged write.
    /// Throws `.journal(.locked…)` if another process has it open.
    public init(directory: String, options: StoreOptions = StoreOptions(), clock: any WallClock = SystemClock(),
                metrics registry: MetricsRegistry = MetricsRegistry()) throws(StoreError) {
        self.clock = clock
        self.options = options
        var recovered = StoreState(changeFeedCapacity: options.changeFeedCapacity)
        do throws(JournalError) {
            journal = try Journal(
                directory: directory, options: options.journal,
                restoreSnapshot: { body in recovered = try SnapshotCodec.decode(body, changeFeedCapacity: options.changeFeedCapacity) },
                replay: { lsn, payload in try recovered.apply(RecordCodec.decode(payload), lsn: lsn) })
        } catch {
            throw .journal(error)
        }
        recovered.appliedLSN = max(recovered.appliedLSN, journal.recoveryReport.lastLSN)
        recovered.tokens.prune(nowMillis: Self.millis(clock.now()))
        state = LockedState(recovered)
        metrics = StoreMetrics(registry: registry)
        registerSampledMetrics(registry)
        if let interval = options.maintenanceIntervalSeconds {
            lifecycle.startMaintenance(every: interval, clock: clock) { [weak self] in
                guard let self else { return false }
                _ = try? await self.runMaintenance()
                return true
            }
        }
    }

    /// What recovery found when the store opened.
    public var recoveryReport: RecoveryReport { journal.recoveryReport }

    /// Stops background work, writes a snapshot if the journal has grown, and closes the journal.
    /// Later calls throw `.closed`.
    public func close() async {
        await close(snapshotting: true)
    }

    /// Closes without the final snapshot, leaving recovery to replay the journal (for tests and benchmarks of recovery).
    public func closeWithoutSnapshot() async {
        await close(snapshotting: false)
    }

    private func close(snapshotting: Bool) async {
        guard await lifecycle.beginClosing() else { return }
        if snapshotting, journal.stats.bytesSinceSnapshot > 0 { _ = try? await snapshot() }
        journal.close()
        changeSignal.closeAll()
    }

    /// Counters for status pages.
    public var stats: StoreStats {
        let (tables, retained, consumers, tokens) = state.withLock { s in
            (s.tables.values.map { StoreStats.Table(name: $0.schema.name, items: $0.itemCount, bytes: $0.byteCount) }
                .sorted { $0.name < $1.name },
             s.feed.retainedCount, s.feed.consumers.mapValues(\.acknowledged), s.tokens.count)
        }
        return StoreStats(tables: tables, journal: journal.stats, recovery: journal.recoveryReport,
                          retainedChanges: retained, changeConsumers: consumers, idempotencyTokens: tokens)
    }

    // MARK: - The one path every request takes

    /// Runs a request through the journal's decide → commit → wait-for-durability cycle, counting the outcome.
    func perform<Result: Sendable>(
        _ operation: StoreMetrics.Operation,
        _ decide: (inout StoreState, _ now: Date) throws(StoreError) -> Decision<Result>
    ) async throws(StoreError) -> Result {
        guard !lifecycle.isClosed else { throw .closed }
        let now = clock.now()
        do throws(StoreError) {
            let (result, fed) = try await journal.perform(
                on: state,
                decide: { (s) throws(StoreError) in try decide(&s, now) },
                encode: RecordCodec.encode,
                apply: { s, record, lsn in
                    do {
                        return try s.apply(record, lsn: lsn)
                    } catch {
                        // Requests are validated against this same state under this same lock before they are
                        // committed, so a record that does not apply is a bug, not bad input.
                        preconditionFailure("validated record failed to apply: \(error)")
                    }
                },
                journalError: Self.mapJournal)
            if fed { changeSignal.notifyAll() }
            metrics.record(operation, .ok)
            return result
        } catch {
            metrics.record(operation, Self.isConditionFailure(error) ? .conditionFailed : .invalid)
            throw error
        }
    }

    func waitDurable(_ lsn: UInt64) async throws(StoreError) {
        guard lsn > 0 else { return }
        do throws(JournalError) { try await journal.waitUntilDurable(lsn) } catch { throw Self.mapJournal(error) }
    }

    static func mapJournal(_ error: JournalError) -> StoreError {
        error == .closed ? .closed : .journal(error)
    }

    private static func isConditionFailure(_ error: StoreError) -> Bool {
        switch error {
        case .conditionalCheckFailed, .transactionCanceled: true
        default: false
        }
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }
    static func epochSeconds(_ date: Date) -> Int64 { Int64(date.timeIntervalSince1970.rounded(.down)) }

    /// The table named `name`, or `.tableNotFound`.
    static func table(_ name: String, in s: StoreState) throws(StoreError) -> TableData {
        guard let table = s.tables[name] else { throw .tableNotFound(name) }
        return table
    }

    private func registerSampledMetrics(_ registry: MetricsRegistry) {
        registry.sampledGauge("shopdeck_store_items", help: "Live items in all tables.") { [weak self] in
            Double(self?.state.withLock { s in s.tables.values.reduce(0) { $0 + $1.itemCount } } ?? 0)
        }
        registry.sampledGauge("shopdeck_store_live_bytes", help: "Encoded bytes of live items.") { [weak self] in
            Double(self?.state.withLock { s in s.tables.values.reduce(0) { $0 + $1.byteCount } } ?? 0)
        }
        registry.sampledGauge("shopdeck_journal_durable_lsn", help: "Highest durable journal record.", labels: ["journal": "store"]) { [weak self] in
            Double(self?.journal.durableLSN ?? 0)
        }
    }
}

/// Operation counters of a store.
struct StoreMetrics: Sendable {
    enum Operation: Int, CaseIterable, Sendable {
        case createTable, deleteTable, get, put, update, delete, transactWrite, transactGet, query, scan, changeFeed, timeToLive

        var label: String {
            switch self {
            case .createTable: "create_table"
            case .deleteTable: "delete_table"
            case .get: "get"
            case .put: "put"
            case .update: "update"
            case .delete: "delete"
            case .transactWrite: "transact_write"
            case .transactGet: "transact_get"
            case .query: "query"
            case .scan: "scan"
            case .changeFeed: "change_feed"
            case .timeToLive: "time_to_live"
            }
        }
    }

    enum Outcome: Int, CaseIterable, Sendable {
        case ok, conditionFailed, invalid

        var label: String {
            switch self {
            case .ok: "ok"
            case .conditionFailed: "condition_failed"
            case .invalid: "invalid"
            }
        }
    }

    /// Indexed by operation × outcome: no hashing on the hot path.
    private let counters: [Counter]

    init(registry: MetricsRegistry) {
        var counters: [Counter] = []
        for operation in Operation.allCases {
            for outcome in Outcome.allCases {
                counters.append(registry.counter("shopdeck_store_operations_total", help: "Store operations by kind and outcome.",
                                                 labels: ["operation": operation.label, "outcome": outcome.label]))
            }
        }
        self.counters = counters
    }

    func record(_ operation: Operation, _ outcome: Outcome) {
        counters[operation.rawValue * Outcome.allCases.count + outcome.rawValue].increment()
    }
}
