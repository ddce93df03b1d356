import Foundation
import Journal
import Synchronization
import Telemetry

/// Limits and housekeeping of a broker.
public struct BrokerOptions: Sendable {
    public var journal = JournalOptions()
    /// How often the background task drops messages past retention and considers a snapshot; nil for none
    /// (tests call `runMaintenance()` themselves).
    public var maintenanceIntervalSeconds: Double? = 1
    /// A snapshot is taken once the journal has grown this much since the last one (or by the live data, if more).
    public var snapshotMinimumJournalBytes = 64 << 20
    public var maximumQueues = 1000
    public var maximumTopics = 1000
    public var maximumSubscriptionsPerTopic = 100

    public init() {}
}

/// An SQS/SNS-style message broker on the journal: standard and FIFO queues with visibility timeouts,
/// delays, dead-letter queues and long polling; topics that fan out to queues through filter policies.
///
/// Durable like the store: a send, receive or delete returns only once its journal record is on disk, so an
/// acknowledged send survives a crash, a received message comes back after its visibility timeout even
/// across a restart, and an acknowledged delete never comes back.
public final class Broker: Sendable {
    typealias Decision<Result: Sendable> = JournalDecision<BrokerRecord, Result, BrokerError>

    let journal: Journal
    let state: LockedState<BrokerState>
    let clock: any WallClock
    let options: BrokerOptions
    let activity: BrokerActivity
    let signals = Mutex<[String: WakeSignal]>([:])
    let lifecycle = ComponentLifecycle()

    /// Opens the broker in `directory` (created if missing), recovering every acknowledged change.
    public init(directory: String, options: BrokerOptions = BrokerOptions(), clock: any WallClock = SystemClock(),
                metrics: MetricsRegistry = MetricsRegistry()) throws(BrokerError) {
        self.clock = clock
        self.options = options
        var recovered = BrokerState()
        do throws(JournalError) {
            journal = try Journal(
                directory: directory, options: options.journal,
                restoreSnapshot: { body in recovered = try BrokerSnapshot.read(body) },
                replay: { lsn, payload in try recovered.apply(BrokerCodec.decode(payload), lsn: lsn) })
        } catch {
            throw .journal(error)
        }
        recovered.appliedLSN = max(recovered.appliedLSN, journal.recoveryReport.lastLSN)
        state = LockedState(recovered)
        activity = BrokerActivity(registry: metrics)
        if let interval = options.maintenanceIntervalSeconds {
            lifecycle.startMaintenance(every: interval, clock: clock) { [weak self] in
                guard let self else { return false }
                _ = try? await self.runMaintenance()
                return true
            }
        }
    }

    /// What recovery found when the broker opened.
    public var recoveryReport: RecoveryReport { journal.recoveryReport }

    /// Stops background work, snapshots if the journal has grown, closes the journal and ends long polls.
    public func close() async {
        await close(snapshotting: true)
    }

    /// Closes without the final snapshot, so recovery replays the journal (for tests of recovery).
    public func closeWithoutSnapshot() async {
        await close(snapshotting: false)
    }

    private func close(snapshotting: Bool) async {
        guard await lifecycle.beginClosing() else { return }
        if snapshotting, journal.stats.bytesSinceSnapshot > 0 { _ = try? await snapshot() }
        journal.close()
        for signal in signals.withLock({ Array($0.values) }) { signal.closeAll() }
    }

    /// Runs a request through the journal's decide → commit → wait-for-durability cycle.
    func perform<Result: Sendable>(_ decide: (inout BrokerState, _ nowMillis: Int64) throws(BrokerError) -> Decision<Result>) async throws(BrokerError) -> Result {
        guard !lifecycle.isClosed else { throw .closed }
        let now = Self.millis(clock.now())
        return try await journal.perform(
            on: state,
            decide: { (s) throws(BrokerError) in try decide(&s, now) },
            encode: BrokerCodec.encode,
            apply: { s, record, lsn in
                do {
                    try s.apply(record, lsn: lsn)
                } catch {
                    // Records are built from this same state under this same lock, so one that does not
                    // apply is a bug, not bad input.
                    preconditionFailure("validated broker record failed to apply: \(error)")
                }
                return true
            },
            journalError: { $0 == .closed ? .closed : .journal($0) }).result
    }

    /// The long-poll signal of queue `name`.
    func signal(_ name: String) -> WakeSignal {
        signals.withLock { all in
            if let existing = all[name] { return existing }
            let created = WakeSignal()
            all[name] = created
            return created
        }
    }

    static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded(.down)) }

    static func queue(_ name: String, in s: BrokerState) throws(BrokerError) -> QueueState {
        guard let queue = s.queues[name] else { throw .queueNotFound(name) }
        return queue
    }
}
