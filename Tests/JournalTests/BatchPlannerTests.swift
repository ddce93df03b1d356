import Testing
@testable import Journal

@Suite struct BatchPlannerTests {
    /// Feeds the planner one observed gather: after a flush ending at `start`, the first append comes
    /// `latency` ns later and the rest every `gap` ns, `count` in all.
    func observe(_ planner: inout BatchPlanner, start: UInt64, latency: UInt64, gap: UInt64, count: Int) -> UInt64 {
        var now = start + latency
        for pending in 1...count {
            planner.noteAppend(pendingRecords: pending) { now }
            if pending < count { now += gap }
        }
        planner.noteBatchTaken(pendingRecords: count, now: now)
        return now
    }

    @Test func withoutEstimatesItWaitsForEveryone() {
        var planner = BatchPlanner()
        planner.plan(released: 64, pending: 0, sync: 200_000, now: 1_000)
        #expect(planner.target == 64)
        #expect(planner.enough == 48)
        #expect(planner.deadline == 1_000 + BatchPlanner.maximumWait)
    }

    @Test func manySlowWritersAreSplitIntoTwoAlternatingHalves() {
        var planner = BatchPlanner()
        planner.plan(released: 64, pending: 0, sync: 200_000, now: 1_000)
        let end = observe(&planner, start: 1_000, latency: 50_000, gap: 4_000, count: 64)
        #expect(abs(planner.latency - 50_000) < 1 && abs(planner.gap - 4_000) < 1)
        // One batch: 64 / (200 + 50 + 256) µs ≈ 126k/s; halves: 32 / max(200, 178) µs = 160k/s.
        planner.plan(released: 64, pending: 0, sync: 200_000, now: end + 200_000)
        #expect(planner.target == 32)
        #expect(planner.enough == 24)
    }

    @Test func fewWritersAreGatheredIntoOneBatch() {
        var planner = BatchPlanner()
        planner.plan(released: 8, pending: 0, sync: 200_000, now: 1_000)
        let end = observe(&planner, start: 1_000, latency: 50_000, gap: 4_000, count: 8)
        // One batch: 8 / (200 + 50 + 32) µs ≈ 28k/s; halves: 4 / 200 µs = 20k/s.
        planner.plan(released: 8, pending: 0, sync: 200_000, now: end + 200_000)
        #expect(planner.target == 8)
        #expect(planner.enough == 6)
    }

    @Test func aLoneWriterNeverWaits() {
        var planner = BatchPlanner()
        planner.plan(released: 1, pending: 0, sync: 200_000, now: 0)
        #expect(planner.target == 1)
        #expect(planner.enough == 1)
    }

    /// The wait does not follow the fsync's time: a slow disk does not hold batches longer, and a fast one
    /// still gathers an open load's writers for the whole window.
    @Test func theWaitIsTheWindowWhateverTheSyncTook() {
        var planner = BatchPlanner()
        planner.plan(released: 4, pending: 0, sync: 5_000_000, now: 10)
        #expect(planner.deadline == 10 + BatchPlanner.maximumWait)
        planner.plan(released: 4, pending: 0, sync: 20_000, now: 10)
        #expect(planner.deadline == 10 + BatchPlanner.maximumWait)
    }
}
