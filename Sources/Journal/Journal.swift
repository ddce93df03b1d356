import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An append-only, segmented, checksummed log with group commit: the one place durability lives.
///
/// Writers `append` records and then `waitUntilDurable` their LSN. A single flusher thread writes
/// everything appended since its last pass with one `write` and one `fdatasync`, then wakes exactly
/// the writers whose records that sync covered — so many concurrent writers share one fsync, and no
/// writer is told its record is durable before it is.
///
/// The owner (a store, a broker) rebuilds its state at `open` from the newest snapshot plus the records
/// after it, and calls `writeSnapshot` now and then so the log can be compacted.
public final class Journal: Sendable {
    private struct Waiter {
        let lsn: UInt64
        /// Resumed exactly once: by the flush that covers `lsn`, by a failure, or by close — each removes
        /// the waiter from `waiters` under the state lock before resuming it.
        let continuation: UnsafeContinuation<JournalError?, Never>
    }

    private struct State {
        var pending: [UInt8] = []
        var pendingRecords = 0
        var nextLSN: UInt64
        var flusherIdle = false
        /// The flusher is holding a batch open for writers it just released (see `runFlusher`).
        var gathering = false
        /// How many writers the last flush released: most will append again at once.
        var gatherTarget = 0
        /// Monotonic nanoseconds until which the flusher may hold a batch open.
        var gatherDeadline: UInt64 = 0
        /// When the last flush finished, and the records pending then: the start of the current gather.
        var flushEndedAt: UInt64 = 0
        var pendingAtFlushEnd = 0
        /// Moving average of nanoseconds between records arriving while the flusher gathers.
        var nanosecondsPerArrival: Double = 0
        var waiters: [Waiter] = []
        var failure: JournalError?
        var closing = false
        var closed = false
        var segments: [SegmentInfo]
        var activeFD: Int32
        var activeSize: Int
        /// Preallocated size of the active segment; 0 when it grows with each write.
        var activeCapacity: Int
        /// A zero-filled spare segment is ready to be renamed into place.
        var spareReady = false
        var sparePreparing = false
        var spareBytes = 0
        var rotateRequested = false
        var snapshotLSN: UInt64?
        var stats = JournalStats()
    }

    /// The journal's directory.
    public let directory: String
    /// What recovery found when this journal was opened.
    public let recoveryReport: RecoveryReport
    private let options: JournalOptions
    private let state: LockedState<State>
    private let durable: Atomic<UInt64>
    private let wakeFlusher = DispatchSemaphore(value: 0)
    private let flusherExited = DispatchSemaphore(value: 0)
    private let sparePreparation = DispatchGroup()
    private let snapshotSerializer = Mutex<Void>(())
    private let lock: DirectoryLock

    /// Opens the journal in `directory` (created if missing), takes its lock, and recovers:
    /// `restoreSnapshot` receives the newest snapshot's body (if there is one), then `replay` receives
    /// every record after it in order. A torn or damaged tail is cut off and reported in `recoveryReport`.
    public init(
        directory: String,
        options: JournalOptions = JournalOptions(),
        restoreSnapshot: (UnsafeRawBufferPointer) throws -> Void,
        replay: (UInt64, UnsafeRawBufferPointer) throws -> Void
    ) throws(JournalError) {
        self.directory = directory
        self.options = options
        lock = try DirectoryLock(directory: directory)
        let recovered = try Recovery(directory: directory, options: options)
            .run(restoreSnapshot: restoreSnapshot, replay: replay)
        recoveryReport = recovered.report
        let active = recovered.segments[recovered.segments.count - 1]
        let fd = try FileSystem.openFile(directory + "/" + active.name, flags: O_WRONLY)
        var initial = State(nextLSN: recovered.nextLSN, segments: recovered.segments, activeFD: fd, activeSize: recovered.activeSize,
                            activeCapacity: recovered.activeCapacity)
        initial.snapshotLSN = recovered.snapshotLSN
        initial.stats.lastLSN = recovered.nextLSN - 1
        initial.stats.durableLSN = recovered.nextLSN - 1
        initial.stats.snapshotLSN = recovered.snapshotLSN
        initial.stats.bytesSinceSnapshot = recovered.report.bytesRead
        state = LockedState(initial)
        durable = Atomic(recovered.nextLSN - 1)
        let thread = Thread { [self] in runFlusher() }
        thread.name = "journal-flusher"
        thread.start()
        if recovered.activeCapacity == 0 { prepareSpare(bytes: Self.minimumSpareBytes) }
    }

    /// Appends a record and returns its LSN. The record is not durable until `waitUntilDurable` returns for it.
    /// Records become durable in LSN order.
    @discardableResult
    public func append(_ payload: UnsafeRawBufferPointer) throws(JournalError) -> UInt64 {
        let (lsn, wake) = try appendDeferringWake(payload)
        wake.signal()
        return lsn
    }

    /// Appends like `append`, but leaves waking the flusher to the caller: a caller that appends while
    /// holding its own lock signals after releasing it, so the wake-up system call is not made with the
    /// lock held. The record is not flushed until `FlusherWake.signal()` is called.
    public func appendDeferringWake(_ payload: UnsafeRawBufferPointer) throws(JournalError) -> (UInt64, FlusherWake) {
        guard payload.count > 0, payload.count <= options.maximumRecordByteCount else {
            throw .recordTooLarge(byteCount: payload.count, limit: options.maximumRecordByteCount)
        }
        let (lsn, wake) = try state.withLock { (s) throws(JournalError) -> (UInt64, Bool) in
            if let failure = s.failure { throw failure }
            if s.closing { throw .closed }
            let lsn = s.nextLSN
            s.nextLSN += 1
            RecordFormat.appendRecord(lsn: lsn, payload: payload, to: &s.pending)
            s.pendingRecords += 1
            s.stats.lastLSN = lsn
            var wake = false
            if s.flusherIdle {
                s.flusherIdle = false
                wake = true
            } else if s.gathering, s.pendingRecords >= s.gatherTarget {
                s.gathering = false
                wake = true
            }
            return (lsn, wake)
        }
        return (lsn, FlusherWake(semaphore: wake ? wakeFlusher : nil))
    }

    /// Appends a record and returns its LSN (see `append(_: UnsafeRawBufferPointer)`).
    @discardableResult
    public func append(_ payload: [UInt8]) throws(JournalError) -> UInt64 {
        try payload.withBytes { (raw) throws(JournalError) in try append(raw) }
    }

    /// Appends a record and returns once it is durable.
    @discardableResult
    public func appendDurably(_ payload: [UInt8]) async throws(JournalError) -> UInt64 {
        let lsn = try append(payload)
        try await waitUntilDurable(lsn)
        return lsn
    }

    /// The highest LSN known to be on stable storage.
    public var durableLSN: UInt64 { durable.load(ordering: .acquiring) }

    /// Returns once every record up to `lsn` is on stable storage, or throws if the journal failed or closed first.
    public func waitUntilDurable(_ lsn: UInt64) async throws(JournalError) {
        if durable.load(ordering: .acquiring) >= lsn { return }
        let outcome: JournalError? = await withUnsafeContinuation { continuation in
            let immediate: JournalError?? = state.withLock { s in
                if durable.load(ordering: .acquiring) >= lsn { return .some(nil) }
                if let failure = s.failure { return .some(failure) }
                if s.closed { return .some(.closed) }
                s.waiters.append(Waiter(lsn: lsn, continuation: continuation))
                return .none
            }
            if let immediate { continuation.resume(returning: immediate) }
        }
        if let outcome { throw outcome }
    }

    /// Counters for status pages and benchmarks.
    public var stats: JournalStats {
        state.withLock { s in
            var stats = s.stats
            stats.durableLSN = durable.load(ordering: .acquiring)
            stats.segmentCount = s.segments.count
            return stats
        }
    }

    /// Writes a snapshot of the owner's state as of record `lsn` (which must be durable), then deletes the
    /// segments and older snapshots it makes unnecessary. `body` streams the owner's state into the writer.
    public func writeSnapshot(at lsn: UInt64, body: (inout SnapshotWriter) throws(JournalError) -> Void) throws(JournalError) {
        try snapshotSerializer.withLock { (_) throws(JournalError) in
            let durableNow = durableLSN
            guard lsn <= durableNow else { throw .snapshotAheadOfLog(requested: lsn, durable: durableNow) }
            let name = SnapshotFormat.fileName(lsn: lsn)
            let finalPath = directory + "/" + name
            let temporaryPath = finalPath + ".tmp"
            let fd = try FileSystem.openFile(temporaryPath, flags: O_WRONLY | O_CREAT | O_TRUNC)
            do throws(JournalError) {
                var writer = SnapshotWriter(fd: fd, path: temporaryPath, lsn: lsn)
                try body(&writer)
                try writer.finish()
                Glibc.close(fd)
            } catch {
                Glibc.close(fd)
                try? FileSystem.remove(temporaryPath)
                throw error
            }
            try FileSystem.rename(temporaryPath, to: finalPath)
            try FileSystem.syncDirectory(directory)
            try compact(after: lsn, keeping: name)
        }
    }

    /// Deletes snapshots older than `name` and every closed segment whose records all precede `lsn`.
    private func compact(after lsn: UInt64, keeping name: String) throws(JournalError) {
        let (obsolete, wake) = state.withLock { s -> ([SegmentInfo], Bool) in
            s.snapshotLSN = lsn
            s.stats.snapshotLSN = lsn
            s.stats.bytesSinceSnapshot = 0
            s.rotateRequested = true
            var obsolete: [SegmentInfo] = []
            while s.segments.count > 1, s.segments[1].firstLSN - 1 <= lsn {
                obsolete.append(s.segments.removeFirst())
            }
            let wake = s.flusherIdle
            s.flusherIdle = false
            return (obsolete, wake)
        }
        if wake { wakeFlusher.signal() }
        for segment in obsolete { try FileSystem.remove(directory + "/" + segment.name) }
        for other in try FileSystem.listDirectory(directory) where other != name && JournalFiles.snapshotLSN(other) != nil {
            try FileSystem.remove(directory + "/" + other)
        }
        try FileSystem.syncDirectory(directory)
    }

    /// Flushes what was appended, stops the flusher and closes the files. Appends after this throw `.closed`.
    public func close() {
        let wake: Bool = state.withLock { s in
            guard !s.closing else { return false }
            s.closing = true
            return true
        }
        guard wake else { return }
        wakeFlusher.signal()
        flusherExited.wait()
        sparePreparation.wait()
        lock.release()
    }

    deinit {
        close()
    }
}

/// A pending wake-up of the journal's flusher, handed out by `appendDeferringWake`.
public struct FlusherWake: Sendable {
    let semaphore: DispatchSemaphore?

    /// Wakes the flusher if the append needed it. Call exactly once, after releasing your own locks.
    public func signal() {
        semaphore?.signal()
    }
}

// MARK: - The flusher thread

extension Journal {
    private struct Batch {
        var lastLSN: UInt64
        var records: Int
        var fd: Int32
        var offset: Int
        var path: String
    }

    private enum FlusherStep {
        case idle
        case gather(untilNanoseconds: UInt64)
        case flush(Batch)
        case exit
    }

    /// The flusher's loop. After a flush releases k waiting writers, those writers usually append again
    /// within microseconds; flushing the first one alone would split them across two fsyncs. So while fewer
    /// than k records are pending, the flusher holds the batch open — for at most as long as the last fsync
    /// took (capped at 1 ms). With arrivals spread evenly, a longer batch is worth the wait: throughput
    /// k / (fsync + wait) grows until all k have arrived. A lone writer (k = 1) never waits.
    private func runFlusher() {
        var spare: [UInt8] = []
        loop: while true {
            let step: FlusherStep = state.withLock { s in
                if s.pending.isEmpty {
                    if s.closing {
                        finishClosing(&s)
                        return .exit
                    }
                    s.flusherIdle = true
                    return .idle
                }
                if !s.closing, s.pendingRecords < s.gatherTarget, DispatchTime.now().uptimeNanoseconds < s.gatherDeadline {
                    s.gathering = true
                    return .gather(untilNanoseconds: s.gatherDeadline)
                }
                s.gathering = false
                let arrived = s.pendingRecords - s.pendingAtFlushEnd
                if arrived > 1, s.flushEndedAt > 0 {
                    let perArrival = Double(DispatchTime.now().uptimeNanoseconds - s.flushEndedAt) / Double(arrived)
                    s.nanosecondsPerArrival = s.nanosecondsPerArrival == 0 ? perArrival : 0.8 * s.nanosecondsPerArrival + 0.2 * perArrival
                }
                swap(&s.pending, &spare)
                let batch = Batch(lastLSN: s.nextLSN - 1, records: s.pendingRecords, fd: s.activeFD, offset: s.activeSize,
                                  path: directory + "/" + s.segments[s.segments.count - 1].name)
                s.pendingRecords = 0
                return .flush(batch)
            }
            switch step {
            case .idle:
                wakeFlusher.wait()
            case .gather(let deadline):
                _ = wakeFlusher.wait(timeout: DispatchTime(uptimeNanoseconds: deadline))
            case .flush(let batch):
                flush(batch, bytes: spare)
                if spare.capacity > 8 << 20 { spare = [] } else { spare.removeAll(keepingCapacity: true) }
            case .exit:
                break loop
            }
        }
        flusherExited.signal()
    }

    private func flush(_ batch: Batch, bytes: [UInt8]) {
        let started = DispatchTime.now().uptimeNanoseconds
        do throws(JournalError) {
            try bytes.withBytes { (raw) throws(JournalError) in
                try FileSystem.writeAll(batch.fd, raw, at: batch.offset, path: batch.path)
            }
            try FileSystem.syncData(batch.fd, path: batch.path)
        } catch {
            fail(error)
            return
        }
        let synced = DispatchTime.now().uptimeNanoseconds
        durable.store(batch.lastLSN, ordering: .releasing)
        let (due, rotate) = state.withLock { s -> ([Waiter], Bool) in
            s.activeSize += bytes.count
            s.stats.fsyncCount += 1
            s.stats.recordsWritten += batch.records
            s.stats.bytesWritten += bytes.count
            s.stats.bytesSinceSnapshot += bytes.count
            s.stats.largestBatch = max(s.stats.largestBatch, batch.records)
            var due: [Waiter] = []
            s.waiters.removeAll { waiter in
                guard waiter.lsn <= batch.lastLSN else { return false }
                due.append(waiter)
                return true
            }
            let rotate = s.activeSize >= options.segmentByteLimit || s.rotateRequested
                || (s.activeCapacity > 0 && s.activeSize >= s.activeCapacity)
                || (s.activeCapacity == 0 && s.spareReady)
            s.rotateRequested = false
            let finished = DispatchTime.now().uptimeNanoseconds
            s.stats.syncNanoseconds += synced - started
            // Everyone released now plus everyone who queued during the fsync: one batch for all of them.
            // Writers cycling through the journal: those released now and those who queued during the fsync.
            let active = due.count + s.pendingRecords
            let sync = finished - started
            // If all of them can append within one fsync's time, gather them into one batch. If not, the disk
            // would sit idle while they do: take half, so the other half appends during the next fsync and
            // the two halves alternate with the disk always busy.
            let allArriveWithin = Double(active) * s.nanosecondsPerArrival
            s.gatherTarget = allArriveWithin <= Double(sync) ? active : (active + 1) / 2
            s.gatherDeadline = finished + min(sync, 1_000_000)
            s.flushEndedAt = finished
            s.pendingAtFlushEnd = s.pendingRecords
            return (due, rotate)
        }
        for waiter in due { waiter.continuation.resume(returning: nil) }
        if rotate { rotateSegment(firstLSN: batch.lastLSN + 1) }
    }

    /// Starts a new segment — the prepared zero-filled spare if there is one, else a file that grows —
    /// and asks for the next spare, twice the size of this one up to the segment limit. Called by the
    /// flusher between batches, when everything so far is durable.
    private func rotateSegment(firstLSN: UInt64) {
        let spare: Int? = state.withLock { s in
            guard s.spareReady else { return nil }
            s.spareReady = false
            return s.spareBytes
        }
        do throws(JournalError) {
            let recovery = Recovery(directory: directory, options: options)
            let segment: SegmentInfo
            if spare != nil {
                segment = try recovery.promoteSpare(at: sparePath, firstLSN: firstLSN)
            } else {
                segment = try recovery.createSegment(firstLSN: firstLSN)
            }
            let fd = try FileSystem.openFile(directory + "/" + segment.name, flags: O_WRONLY)
            let old: Int32 = state.withLock { s in
                let old = s.activeFD
                s.activeFD = fd
                s.activeSize = RecordFormat.segmentHeaderSize
                s.activeCapacity = spare ?? 0
                s.segments.append(segment)
                return old
            }
            Glibc.close(old)
            if options.preallocateSegments {
                prepareSpare(bytes: min(options.segmentByteLimit, max(Self.minimumSpareBytes, 2 * (spare ?? 0))))
            }
        } catch {
            fail(error)
        }
    }

    static let minimumSpareBytes = 1 << 20
    private var sparePath: String { directory + "/" + Self.spareName }
    static let spareName = "spare-segment.tmp"

    /// Zero-fills a spare segment on a background thread, unless one is ready or being made.
    private func prepareSpare(bytes: Int) {
        guard options.preallocateSegments else { return }
        let start: Bool = state.withLock { s in
            guard !s.spareReady, !s.sparePreparing, !s.closing else { return false }
            s.sparePreparing = true
            return true
        }
        guard start else { return }
        sparePreparation.enter()
        let path = sparePath
        let thread = Thread { [self] in
            let made = Self.zeroFill(path: path, bytes: bytes) { state.withLock { $0.closing } }
            state.withLock { s in
                s.sparePreparing = false
                s.spareReady = made
                s.spareBytes = bytes
            }
            sparePreparation.leave()
        }
        thread.name = "journal-spare"
        thread.start()
    }

    /// Writes `bytes` zeros to `path` and syncs; gives up (returning false) on an error or when `stop` says so.
    private static func zeroFill(path: String, bytes: Int, stop: () -> Bool) -> Bool {
        guard let fd = try? FileSystem.openFile(path, flags: O_WRONLY | O_CREAT | O_TRUNC) else { return false }
        defer { Glibc.close(fd) }
        let chunk = [UInt8](repeating: 0, count: min(bytes, 1 << 20))
        var offset = 0
        while offset < bytes {
            if stop() { return false }
            let count = min(chunk.count, bytes - offset)
            let ok = (try? chunk.withBytes { (raw) throws(JournalError) in
                try FileSystem.writeAll(fd, UnsafeRawBufferPointer(rebasing: raw[0..<count]), at: offset, path: path)
            }) != nil
            guard ok else { return false }
            offset += count
        }
        return (try? FileSystem.syncFile(fd, path: path)) != nil
    }

    /// After a failed write or fsync nothing more is accepted: every waiter and later call gets the error.
    private func fail(_ error: JournalError) {
        let failure = JournalError.failed(reason: error.description)
        let due: [Waiter] = state.withLock { s in
            s.failure = failure
            s.pending.removeAll()
            let due = s.waiters
            s.waiters.removeAll()
            return due
        }
        for waiter in due { waiter.continuation.resume(returning: failure) }
    }

    private func finishClosing(_ s: inout State) {
        Glibc.close(s.activeFD)
        s.closed = true
        let due = s.waiters
        s.waiters.removeAll()
        let failure = s.failure
        for waiter in due { waiter.continuation.resume(returning: failure ?? .closed) }
    }
}
