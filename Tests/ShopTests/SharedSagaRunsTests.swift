import Foundation
import Shop
import Store
import Synchronization
import Telemetry
import Testing
import Workflow

/// Saga engines of several instances on one `StoredSagaRuns` (here over the embedded store; on AWS it is
/// DynamoDB): one start per run id, and a run whose owner stops renewing its lease is finished by another
/// while the stalled owner, when it wakes, can no longer write it.
@Suite struct SharedSagaRunsTests {
    /// Counts each step's executions, and holds the first attempt of step `one` until released.
    final class Probe: Sendable {
        let counts = Mutex<[String: Int]>([:])
        /// The held step's continuation, or whether `release` came first (then the step does not wait).
        let held = Mutex<(continuation: CheckedContinuation<Void, Never>?, released: Bool)>((nil, false))
        let entered = AsyncStream<Void>.makeStream()

        func count(_ step: String) { counts.withLock { $0[step, default: 0] += 1 } }
        func executions(_ step: String) -> Int { counts.withLock { $0[step] ?? 0 } }

        func hold() async {
            await withCheckedContinuation { continuation in
                let waits = held.withLock { state in
                    if !state.released { state.continuation = continuation }
                    return !state.released
                }
                entered.continuation.yield()
                if !waits { continuation.resume() }
            }
        }

        func release() {
            held.withLock { state in
                state.released = true
                state.continuation?.resume()
                state.continuation = nil
            }
        }
    }

    static func definition(_ probe: Probe) -> SagaDefinition {
        SagaDefinition(name: "shared", steps: [
            SagaStep("one", retry: [RetryPolicy(errorEquals: [SagaEngine.interruptedError], intervalSeconds: 1, maxAttempts: 3)]) { context in
                probe.count("one")
                if context.attempt == 1 { await probe.hold() }
            },
            SagaStep("two") { _ in probe.count("two") },
        ])
    }

    static func openStore() async throws -> (Store, StoredSagaRuns, String) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("shared-runs-\(UUID().uuidString.prefix(8))").path
        // The store's clock stands where the engines' do, so an ended run's expiry (a week on) lies ahead of it.
        let store = try Store(directory: directory, clock: ManualClock())
        for schema in StoredSagaRuns.schemas { try await store.ensureTable(schema) }
        return (store, StoredSagaRuns(store: store), directory)
    }

    @Test func oneRunIdStartsOnceAcrossInstances() async throws {
        let (store, runs, directory) = try await Self.openStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let probe = Probe()
        let engines = [SagaEngine(shared: SharedSagaRuns(store: runs, owner: "a"), clock: ManualClock()),
                       SagaEngine(shared: SharedSagaRuns(store: runs, owner: "b"), clock: ManualClock())]
        for engine in engines { try engine.register(Self.definition(probe)) }
        _ = try await engines[0].start("shared", runID: "order-1")
        await #expect(throws: WorkflowError.runAlreadyExists("order-1")) { try await engines[1].start("shared", runID: "order-1") }
        probe.release()
        for engine in engines { await engine.close() }
        await store.close()
    }

    @Test func aStalledOwnersRunIsFinishedByAnotherAndTheStalledOneCannotWriteIt() async throws {
        let (store, runs, directory) = try await Self.openStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let probe = Probe()
        // Each instance has its own clock: the first one's never moves, so it never renews its lease (a
        // process stopped by a debugger, a long GC pause, a partitioned network).
        let stalledClock = ManualClock(), survivorClock = ManualClock()
        let stalled = SagaEngine(shared: SharedSagaRuns(store: runs, owner: "stalled", leaseSeconds: 15), clock: stalledClock)
        let survivor = SagaEngine(shared: SharedSagaRuns(store: runs, owner: "survivor", leaseSeconds: 15), clock: survivorClock)
        for engine in [stalled, survivor] { try engine.register(Self.definition(probe)) }

        _ = try await stalled.start("shared", runID: "r1")
        var entered = probe.entered.stream.makeAsyncIterator()
        _ = await entered.next()  // the first attempt of `one` is running on the stalled instance
        #expect(await survivor.adoptAbandonedRuns().isEmpty, "a held lease is not taken")

        survivorClock.advance(by: 16)
        #expect(await survivor.adoptAbandonedRuns() == ["r1"])
        // The survivor retries the interrupted step after its retry interval, then runs `two`.
        let finished = Task { try await survivor.waitForRun("r1") }
        while survivor.activeRunCount > 0 {
            if survivorClock.sleeperCount > 0 { survivorClock.advance(by: 1) }
            await Task.yield()
        }
        let run = try await finished.value
        #expect(run.state == .succeeded)
        #expect(run.history.contains { $0.type == "attemptFailed" && ($0.detail ?? "").contains(SagaEngine.interruptedError) })
        #expect(try await runs.load("r1")?.state == .succeeded)

        // The stalled instance wakes with its step done; its write is refused and it stops driving the run.
        probe.release()
        while stalled.activeRunCount > 0 { await Task.yield() }
        #expect(probe.executions("one") == 2)
        #expect(probe.executions("two") == 1, "the step after the stalled one ran once, on the survivor")
        #expect(try await runs.load("r1")?.state == .succeeded)
        for engine in [stalled, survivor] { await engine.close() }
        await store.close()
    }

    @Test func anInstancesListingOfSharedRunsStaysWithinItsQuota() async throws {
        let (store, runs, directory) = try await Self.openStore()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let engine = SagaEngine(shared: SharedSagaRuns(store: runs, owner: "a"), clock: ManualClock(), retainedRunsPerSaga: 10)
        try engine.register(SagaDefinition(name: "quick", steps: [SagaStep("only") { _ in }]))
        for index in 0..<300 {
            let id = try await engine.start("quick", runID: "q\(index)")
            _ = try await engine.waitForRun(id)
        }
        // Forgetting runs in passes once the listing has grown by 64 past the quota (as the journal's replay does).
        let listed = engine.runs(saga: "quick", limit: 1_000).count
        #expect(listed <= 10 + 65, "\(listed) runs listed")
        #expect(try await runs.load("q0")?.state == .succeeded, "forgotten here, still in the store")
        await engine.close()
        await store.close()
    }
}
