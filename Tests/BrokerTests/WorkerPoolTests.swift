import Foundation
import Synchronization
import Testing
import Telemetry
@testable import Broker

/// Polls until `condition` holds (yielding, and napping a millisecond every thousand tries); fails after
/// `seconds` of wall time instead of hanging. A count of yields was the bound before, and on a loaded
/// machine 200,000 yields passed before the workers had run at all.
func eventually(_ what: String, seconds: Double = 60, _ condition: () throws -> Bool) async rethrows {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    var tries = 0
    while ContinuousClock.now < deadline {
        if try condition() { return }
        tries += 1
        if tries % 1000 == 0 { try? await Task.sleep(for: .milliseconds(1)) } else { await Task.yield() }
    }
    Issue.record("timed out waiting for \(what) after \(seconds) s")
}

final class HandlerProbe: Sendable {
    struct State {
        var running = 0
        var mostRunning = 0
        var bodies: [String] = []
        var calls = 0
    }

    let state = Mutex(State())
}

@Suite struct WorkerPoolTests {
    @Test func handlersRunWithBoundedConcurrencyAndSuccessesAreDeleted() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "checkout"))
        for i in 0..<50 { try await broker.send("checkout", message("order-\(i)")) }
        let probe = HandlerProbe()
        let pool = QueueWorkerPool(broker: broker, queue: "checkout", concurrency: 4) { message in
            probe.state.withLock { s in
                s.running += 1
                s.mostRunning = max(s.mostRunning, s.running)
                s.bodies.append(message.body)
            }
            await Task.yield()
            probe.state.withLock { $0.running -= 1 }
        }
        pool.start()
        await eventually("50 handled") { pool.stats.succeeded == 50 }
        try await eventually("all deleted") { try broker.stats("checkout").inFlight == 0 && broker.stats("checkout").visible == 0 }
        await pool.stop()
        let seen = probe.state.withLock { $0 }
        #expect(Set(seen.bodies).count == 50)
        #expect(seen.mostRunning <= 4 && seen.mostRunning >= 1)
        #expect(try broker.stats("checkout").deletedTotal == 50)
        await broker.close()
    }

    /// A backlog is received by several pollers at once (each receive waits a group commit), while only the
    /// first long-polls: a pool whose receives never overlap is held by `PairedReceives` to one receive per
    /// two seconds and never counts two in flight (checked with one poller: it fails in ~40 s).
    @Test func aBacklogIsReceivedBySeveralPollersAtOnceAndOnlyOneLongPolls() async throws {
        let dir = TemporaryDirectory()
        let base = try openBroker(dir, clock: ManualClock())
        let broker = PairedReceives(base)
        try await broker.createQueue(QueueConfiguration(name: "checkout"))
        for start in stride(from: 0, to: 200, by: 10) {
            _ = try await broker.sendBatch("checkout", (start..<start + 10).map { message("order-\($0)") })
        }
        let pool = QueueWorkerPool(broker: broker, queue: "checkout", concurrency: 40, batchSize: 10, waitSeconds: 20) { _ in }
        #expect(pool.pollers == 4)
        pool.start()
        // A bound for a starved machine, not a speed target: in a full run of the suite the setup above once
        // took two minutes to be scheduled, and the pool then had not finished in 60 s, with its receives
        // overlapping as they should. A pool whose receives never overlap fails the count below, not this wait.
        await eventually("200 handled", seconds: 240) { pool.stats.succeeded == 200 }
        await pool.stop()
        let counts = broker.counts.withLock { $0 }
        #expect(counts.mostInFlight >= 2 && counts.mostInFlight <= 4)
        #expect(counts.mostLongPolls == 1)
        #expect(try base.stats("checkout").deletedTotal == 200)
        await base.close()
    }

    /// An opening is not lost on a poller that parks after it (the lead opened while the poller's receive was
    /// under way, or before the poller first parked). A poller that has seen every opening waits for the next; closing releases it.
    @Test(.timeLimit(.minutes(1))) func aPollerThatParksAfterAnOpeningItHasNotSeenGoesStraightBackToWork() async {
        let gate = BacklogGate()
        let before = gate.openings
        gate.open()
        await gate.park(after: before)
        let waiting = Task { await gate.park(after: gate.openings) }
        gate.close()
        await waiting.value
        await gate.park(after: gate.openings)
    }

    /// Thirty deletes at once, sent in batches: every message goes, every caller returns, and a handle that is
    /// already spent (its message deleted) fails inside its batch without holding up the others.
    @Test func coalescedDeletesRemoveEveryMessageAndReturnToEveryCaller() async throws {
        let dir = TemporaryDirectory()
        let broker = try openBroker(dir, clock: ManualClock())
        try await broker.createQueue(QueueConfiguration(name: "jobs"))
        for i in 0..<30 { try await broker.send("jobs", message("job-\(i)")) }
        var handles: [String] = []
        while handles.count < 30 { handles += try await broker.receive("jobs", maximum: 10).map(\.receiptHandle) }
        let coalescer = DeleteCoalescer(broker: broker, queue: "jobs")
        await withDiscardingTaskGroup { group in
            for handle in handles + [handles[0]] { group.addTask { await coalescer.delete(handle) } }
        }
        let stats = try broker.stats("jobs")
        #expect(stats.deletedTotal == 30 && stats.visible == 0 && stats.inFlight == 0)
        await broker.close()
    }

    @Test func failuresComeBackAfterTheVisibilityTimeoutAndEndInTheDeadLetterQueue() async throws {
        let dir = TemporaryDirectory()
        let clock = ManualClock()
        let broker = try openBroker(dir, clock: clock)
        try await broker.createQueue(QueueConfiguration(name: "dlq"))
        var config = QueueConfiguration(name: "jobs")
        config.visibilityTimeout = 30
        config.redrivePolicy = RedrivePolicy(deadLetterQueue: "dlq", maxReceiveCount: 2)
        try await broker.createQueue(config)
        try await broker.send("jobs", message("always fails"))
        struct Boom: Error {}
        let probe = HandlerProbe()
        let pool = QueueWorkerPool(broker: broker, queue: "jobs", concurrency: 2, waitSeconds: 1) { _ in
            probe.state.withLock { $0.calls += 1 }
            throw Boom()
        }
        pool.start()
        await eventually("first failure") { pool.stats.failed == 1 }
        clock.advance(by: 30)
        await eventually("second failure") { pool.stats.failed == 2 }
        clock.advance(by: 30)
        try await eventually("moved to the dead-letter queue") { try broker.stats("dlq").visible == 1 }
        await pool.stop()
        #expect(probe.state.withLock { $0.calls } == 2)
        #expect(pool.stats.succeeded == 0)
        await broker.close()
    }
}
