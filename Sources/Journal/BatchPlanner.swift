/// Decides how long the flusher holds a batch open after an fsync, from what it has seen of the writers.
///
/// After a flush releases k writers they append again within microseconds; flushing the first alone would
/// split them across fsyncs. With A writers cycling through the journal (those just released plus those
/// who queued during the fsync), a fixed latency L before the first of them appends, a time c between
/// appends and an fsync taking F, there are two good plans:
/// - one batch of all A: A / (F + L + A·c) records per second, the disk idle while they append;
/// - two alternating halves: (A/2) / max(F, L + c·A/2), one half appending while the other syncs.
/// The planner picks the better for the latest estimates of L and c. A lone writer never waits.
///
/// The flusher stops waiting once three quarters of the plan are in (`enough`): a wait costs it a sleep and a
/// wake-up besides the appends, so the last few writers of a batch are not worth idling the disk for.
///
/// Writers that do not come back — the shop's checkout runs, thousands at once, each moving on to another
/// journal after a write — leave even `enough` unmet, and the batch is held until `maximumWait`. That is the
/// group-commit window an open load sees (PostgreSQL's `commit_delay`, MySQL's `binlog_group_commit_sync_delay`).
struct BatchPlanner: Sendable {
    /// How long a batch is held for writers the planner expects. Measured with wrk posting orders at 256
    /// connections (2026-12-07, alternating builds): held for at most the last fsync's time (~0.2 ms),
    /// the three journals synced 1.0–1.2 times per order; held up to 1 ms, 0.6; up to 2 ms, 0.4 — and CPU per
    /// order fell by about a tenth. A closed loop of writers (`bench store`) reaches its target first and
    /// never waits this long.
    static let maximumWait: UInt64 = 2_000_000

    /// Records the plan expects in the next batch.
    private(set) var target = 0
    /// Records at which the flusher stops waiting: three quarters of `target`, rounded up. `bench store`'s 64
    /// writers (2026-12-07, alternating runs): waiting for the whole target, a wait took 53 µs on average —
    /// half an fsync — and the disk was syncing 58–63 % of the time; stopping at three quarters, 71–82 %,
    /// with batches of ~31 records instead of ~35, and 0.72–0.87× the fsync limit instead of 0.55–0.61×.
    /// wrk's orders: fsyncs per order rose from 0.23 to 0.33 (~4 µs of kernel CPU on ~170 µs an order); twelve
    /// alternating pairs moved the end-to-end rate by −20 % to +10 %, this machine's noise between minutes.
    var enough: Int { (3 * target + 3) / 4 }
    /// Monotonic nanoseconds after which the flusher stops waiting for them.
    private(set) var deadline: UInt64 = 0

    private var flushEndedAt: UInt64 = 0
    private var pendingAtFlushEnd = 0
    private var firstArrivalAt: UInt64 = 0
    /// Moving averages, in nanoseconds, of the latency to the first append and of the gap between appends.
    private(set) var latency: Double = 0
    private(set) var gap: Double = 0

    /// Called on every append with the pending count after it.
    mutating func noteAppend(pendingRecords: Int, now: () -> UInt64) {
        if pendingRecords == pendingAtFlushEnd + 1, firstArrivalAt <= flushEndedAt {
            firstArrivalAt = now()
        }
    }

    /// Called when the flusher takes the pending records as a batch.
    mutating func noteBatchTaken(pendingRecords: Int, now: UInt64) {
        let arrived = pendingRecords - pendingAtFlushEnd
        guard arrived >= 2, flushEndedAt > 0, firstArrivalAt > flushEndedAt, now > firstArrivalAt else { return }
        let observedLatency = Double(firstArrivalAt - flushEndedAt)
        let observedGap = Double(now - firstArrivalAt) / Double(arrived - 1)
        latency = latency == 0 ? observedLatency : 0.8 * latency + 0.2 * observedLatency
        gap = gap == 0 ? observedGap : 0.8 * gap + 0.2 * observedGap
    }

    /// Plans the next batch when a flush of `sync` nanoseconds has just released `released` writers and
    /// `pending` records are already waiting.
    mutating func plan(released: Int, pending: Int, sync: UInt64, now: UInt64) {
        let active = released + pending
        let f = Double(sync)
        let whole = Double(active) / (f + latency + Double(active) * gap)
        let half = Double(active) / 2 / max(f, latency + gap * Double(active) / 2)
        target = gap == 0 || whole >= half ? active : (active + 1) / 2
        deadline = now + Self.maximumWait
        flushEndedAt = now
        pendingAtFlushEnd = pending
    }
}
