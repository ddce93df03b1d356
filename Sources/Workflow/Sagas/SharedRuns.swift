import Foundation
import Journal

/// Where the saga engines of several instances keep their runs, so that a run whose instance died is taken
/// over by another (issue 19). Each run not yet ended is held by one owner until its lease expires: only
/// the owner may write it, and it renews the lease with every transition and while a step is running.
/// Another instance may claim a run whose lease has expired, and continues it exactly as the embedded
/// engine continues a run after a crash (the step that was interrupted is retried as `Interrupted`).
public protocol SagaRunStore: Sendable {
    /// Records a new run held by `owner` until `leaseUntilMillis`; false if a run with its id exists.
    func create(_ run: SagaRun, owner: String, leaseUntilMillis: Int64) async throws -> Bool
    /// Replaces the run if `owner` still holds it: with `leaseUntilMillis` the lease is renewed, with nil
    /// (the run ended) it is released. False when another owner has taken the run.
    func save(_ run: SagaRun, owner: String, leaseUntilMillis: Int64?) async throws -> Bool
    /// Moves the lease's end without touching the run (while a long step runs; 0 releases it at shutdown).
    /// False when another owner has taken the run.
    func renew(_ runID: String, owner: String, leaseUntilMillis: Int64) async throws -> Bool
    /// Takes a run that has not ended if its lease expired before `nowMillis` (or `owner` holds it), and
    /// returns it; nil if another owner holds it or it has ended.
    func claim(_ runID: String, owner: String, nowMillis: Int64, leaseUntilMillis: Int64) async throws -> SagaRun?
    /// Takes a failed run for a redrive (it is open again from here); nil if it is not failed.
    func reopen(_ runID: String, owner: String, leaseUntilMillis: Int64) async throws -> SagaRun?
    /// The ids of runs not ended that started before `startedBeforeMillis` — the candidates a sweep tries to claim.
    func openRuns(startedBeforeMillis: Int64, limit: Int) async throws -> [String]
    /// A run as last saved.
    func load(_ runID: String) async throws -> SagaRun?
}

/// A saga engine's share of a `SagaRunStore`: who it is and how long its leases last.
public struct SharedSagaRuns: Sendable {
    public let store: any SagaRunStore
    /// This instance's identity as an owner (unique per process).
    public let owner: String
    /// How long a lease lasts without renewal: how long a dead instance's runs wait before another takes them.
    public let leaseSeconds: Double

    public init(store: any SagaRunStore, owner: String, leaseSeconds: Double = 15) {
        self.store = store
        self.owner = owner
        self.leaseSeconds = max(1, leaseSeconds)
    }
}

extension SagaRun {
    /// The run in the engine's own binary form (the snapshot's), for a `SagaRunStore` to keep.
    public func encoded() -> [UInt8] {
        var state = SagaState()
        state.runs[runID] = self
        state.order = [runID]
        var writer = ByteWriter()
        SagaCodec.writeSnapshot(state, to: &writer)
        return writer.bytes
    }

    /// A run from `encoded()`'s bytes; nil if they are not one.
    public init?(encoded bytes: [UInt8]) {
        guard let state = try? bytes.withUnsafeBytes({ (raw) throws(DecodingError) in try SagaCodec.readSnapshot(raw) }),
              state.order.count == 1, let run = state.runs[state.order[0]] else { return nil }
        self = run
    }
}
