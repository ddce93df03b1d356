import Foundation

/// The saga engine on a `SagaRunStore` shared by several instances: every transition is a conditional write
/// that holds only while this instance owns the run, a running execution renews its lease, and a sweep
/// takes over runs whose owner stopped renewing.
extension SagaEngine {
    private func leaseEnd(_ shared: SharedSagaRuns, from now: Int64) -> Int64 {
        now + Int64(shared.leaseSeconds * 1000)
    }

    private func sharedCall<T>(_ body: () async throws -> T) async throws(WorkflowError) -> T {
        do {
            return try await body()
        } catch {
            throw .sharedRuns("\(error)")
        }
    }

    func startShared(_ started: SagaRecord, _ shared: SharedSagaRuns) async throws(WorkflowError) {
        let id = started.runID
        guard state.withLock({ $0.runs[id] }) == nil else { throw .runAlreadyExists(id) }
        var scratch = SagaState()
        scratch.apply(started, lsn: 0)
        guard let run = scratch.runs[id] else { throw .runNotFound(id) }
        let now = nowMillis
        let created = try await sharedCall { try await shared.store.create(run, owner: shared.owner, leaseUntilMillis: leaseEnd(shared, from: now)) }
        guard created else { throw .runAlreadyExists(id) }
        state.withLock { $0.adopt(run) }
    }

    /// Applies `record` to a copy of the run, writes the copy while this instance holds the run, and only
    /// then lets the transition take effect here.
    func recordShared(_ record: SagaRecord, _ shared: SharedSagaRuns) async throws(WorkflowError) {
        let id = record.runID
        guard let current = state.withLock({ $0.runs[id] }) else { throw .runNotFound(id) }
        var scratch = SagaState()
        scratch.adopt(current)
        scratch.apply(record, lsn: 0)
        guard let next = scratch.runs[id] else { throw .runNotFound(id) }
        let lease = next.state.isTerminal ? nil : leaseEnd(shared, from: nowMillis)
        let kept = try await sharedCall { try await shared.store.save(next, owner: shared.owner, leaseUntilMillis: lease) }
        guard kept else { throw .leaseLost(runID: id) }
        state.withLock { $0.adopt(next) }
    }

    /// Takes a failed run from the store for a redrive, so that any instance can redrive any run.
    func claimFailedRun(_ runID: String, _ shared: SharedSagaRuns) async throws(WorkflowError) {
        let now = nowMillis
        if let run = try await sharedCall({ try await shared.store.reopen(runID, owner: shared.owner, leaseUntilMillis: leaseEnd(shared, from: now)) }) {
            state.withLock { $0.adopt(run) }
            return
        }
        guard let run = try await sharedCall({ try await shared.store.load(runID) }) else { throw .runNotFound(runID) }
        throw .invalidRunState(runID: runID, state: run.state.rawValue, wanted: "failed")
    }

    /// Drives the run while a companion task renews its lease every third of the lease; if the lease is
    /// lost (another instance took the run after this one stalled), the execution is cancelled where it is.
    func executeHoldingLease(_ runID: String, _ definition: SagaDefinition, _ shared: SharedSagaRuns,
                             entered: (step: Int, attempt: Int)?) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.execute(runID, definition, entered: entered) }
            group.addTask { await self.renewLease(runID, shared) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Returns when the lease is lost or the task is cancelled; a failed renewal is tried again next time.
    private func renewLease(_ runID: String, _ shared: SharedSagaRuns) async {
        while !Task.isCancelled {
            do { try await clock.sleep(seconds: shared.leaseSeconds / 3) } catch { return }
            if Task.isCancelled { return }
            let now = nowMillis
            let kept = try? await shared.store.renew(runID, owner: shared.owner, leaseUntilMillis: leaseEnd(shared, from: now))
            if kept == false { return }
        }
    }

    /// Takes over runs that have not ended and whose owner let the lease expire (the instance died or
    /// stalled), and continues them here. Returns the ids taken. Call it every few seconds.
    @discardableResult
    public func adoptAbandonedRuns(limit: Int = 100) async -> [String] {
        guard case .shared(let shared) = persistence, !lifecycle.isClosed else { return [] }
        let now = nowMillis
        // A run younger than a lease cannot have an expired lease (its creation set one) unless its owner
        // released it at shutdown; such a run waits until it is a lease old, which bounds what a sweep reads.
        // A live owner's long run (the pipeline's training) is tried every round and refused: one
        // conditional write per round per long run.
        let leaseMillis = Int64(shared.leaseSeconds * 1000)
        guard let candidates = try? await shared.store.openRuns(startedBeforeMillis: now - leaseMillis, limit: limit) else { return [] }
        var adopted: [String] = []
        for id in candidates where executions.withLock({ $0[id] == nil }) {
            guard !lifecycle.isClosed,
                  let run = try? await shared.store.claim(id, owner: shared.owner, nowMillis: now, leaseUntilMillis: leaseEnd(shared, from: now)),
                  !run.state.isTerminal, let definition = definitions.withLock({ $0[run.saga] }) else { continue }
            state.withLock { $0.adopt(run) }
            launch(id, definition)
            adopted.append(id)
        }
        return adopted
    }

    /// A run as the shared store holds it now (another instance may be driving it), or as known here.
    public func lookUp(_ runID: String) async -> SagaRun? {
        guard case .shared(let shared) = persistence else { return run(runID) }
        return (try? await shared.store.load(runID)) ?? run(runID)
    }

    /// At shutdown: hands the runs this instance was driving to the others at once instead of after the lease.
    func releaseLeases(of runIDs: [String]) async {
        guard case .shared(let shared) = persistence else { return }
        for id in runIDs where run(id).map({ !$0.state.isTerminal }) ?? false {
            _ = try? await shared.store.renew(id, owner: shared.owner, leaseUntilMillis: 0)
        }
    }
}

extension SagaState {
    /// Puts `run` in as it is (a run started here, taken over, or just saved), listing it if it is new.
    mutating func adopt(_ run: SagaRun) {
        if runs[run.runID] == nil { order.append(run.runID) }
        runs[run.runID] = run
        forgettable = nil  // recounted by the next pass, as `run` may replace one counted already
        // An ended run counts toward its saga's quota here as in the journal's replay, so an instance's
        // listing of shared runs stays bounded however long it runs.
        if run.state.isTerminal { forgetOldRuns() }
    }
}
