import Synchronization

/// What a request decided while holding its component's state lock.
@usableFromInline package enum JournalDecision<Record: Sendable, Result: Sendable, Failure: Error>: Sendable {
    /// Write `record`, apply it, and answer `result` once it is durable.
    case commit(Record, Result)
    /// Answer `result` once the journal is durable through `observedLSN` (the data it was computed from).
    case answer(Result, observedLSN: UInt64)
    /// Refuse with `error` once the journal is durable through `observedLSN`.
    case reject(Failure, observedLSN: UInt64)
}

extension Journal {
    /// The cycle every journaled component runs a request through: decide under the state lock; if the
    /// decision is to commit, append the record and apply it to the state under the same lock (so journal
    /// order is apply order); release the lock; then answer only once what the answer rests on is durable —
    /// the new record, or the records behind the data a read or a refusal saw.
    ///
    /// `apply` must not fail for a record `decide` built from the same state: if it does, that is a bug.
    /// Returns the result and what `apply` returned for a commit (false otherwise).
    @inlinable
    package func perform<State, Record: Sendable, Result: Sendable, Failure: Error>(
        on state: LockedState<State>,
        decide: (inout State) throws(Failure) -> JournalDecision<Record, Result, Failure>,
        encode: (Record) -> [UInt8],
        apply: (inout State, Record, UInt64) -> Bool,
        journalError: (JournalError) -> Failure
    ) async throws(Failure) -> (result: Result, applied: Bool) {
        let (decision, lsn, applied, wake) = try state.withLock { (s) throws(Failure) -> (JournalDecision<Record, Result, Failure>, UInt64, Bool, FlusherWake?) in
            let decision = try decide(&s)
            guard case .commit(let record, _) = decision else { return (decision, 0, false, nil) }
            let appended: (UInt64, FlusherWake)
            do throws(JournalError) {
                appended = try encode(record).withBytes { (raw) throws(JournalError) in try appendDeferringWake(raw) }
            } catch {
                throw journalError(error)
            }
            return (decision, appended.0, apply(&s, record, appended.0), appended.1)
        }
        wake?.signal()
        func durable(_ lsn: UInt64) async throws(Failure) {
            guard lsn > 0 else { return }
            do throws(JournalError) { try await waitUntilDurable(lsn) } catch { throw journalError(error) }
        }
        switch decision {
        case .commit(_, let result):
            try await durable(lsn)
            return (result, applied)
        case .answer(let result, let observed):
            try await durable(observed)
            return (result, false)
        case .reject(let error, let observed):
            try await durable(observed)
            throw error
        }
    }
}

extension Journal {
    /// Snapshots a component's state: copies it under its lock (a value copy, so writes go on), waits until
    /// the journal is durable through the copy's last record, and streams the copy into a snapshot on a
    /// thread of its own, compacting the log behind it. Returns false when there is nothing to snapshot
    /// yet, another snapshot of this journal is being written, or a newer one is already in place.
    package func snapshot<State: Sendable>(
        of state: LockedState<State>, appliedLSN: (State) -> UInt64,
        write: @escaping @Sendable (State, inout SnapshotWriter) throws(JournalError) -> Void
    ) async throws(JournalError) -> Bool {
        guard !snapshotRunning.exchange(true, ordering: .acquiringAndReleasing) else { return false }
        defer { snapshotRunning.store(false, ordering: .releasing) }
        let (copy, lsn) = state.withLock { s in (s, appliedLSN(s)) }
        guard lsn > 0 else { return false }
        try await waitUntilDurable(lsn)
        return try await writeSnapshotInBackground(at: lsn) { writer throws(JournalError) in try write(copy, &writer) }
    }
}
