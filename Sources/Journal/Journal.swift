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
        let continuation: CheckedContinuation<JournalError?, Never>
    }

    private struct State {
        var pending: [UInt8] = []
        var pendingRecords = 0
        var nextLSN: UInt64
        var flusherIdle = false
        var waiters: [Waiter] = []
        var failure: JournalError?
        var closing = false
        var closed = false
        var segments: [SegmentInfo]
        var activeFD: Int32
        var activeSize: Int
        var rotateRequested = false
        var snapshotLSN: UInt64?
        var stats = JournalStats()
    }

    /// The journal's directory.
    public let directory: String
    /// What recovery found when this journal was opened.
    public let recoveryReport: RecoveryReport
    private let options: JournalOptions
    private let state: Mutex<State>
    private let durable: Atomic<UInt64>
    private let wakeFlusher = DispatchSemaphore(value: 0)
    private let flusherExited = DispatchSemaphore(value: 0)
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
        var initial = State(nextLSN: recovered.nextLSN, segments: recovered.segments, activeFD: fd, activeSize: recovered.activeSize)
        initial.snapshotLSN = recovered.snapshotLSN
        initial.stats.lastLSN = recovered.nextLSN - 1
        initial.stats.durableLSN = recovered.nextLSN - 1
        initial.stats.snapshotLSN = recovered.snapshotLSN
        initial.stats.bytesSinceSnapshot = recovered.report.bytesRead
        state = Mutex(initial)
        durable = Atomic(recovered.nextLSN - 1)
        let thread = Thread { [self] in runFlusher() }
        thread.name = "journal-flusher"
        thread.start()
    }

    /// Appends a record and returns its LSN. The record is not durable until `waitUntilDurable` returns for it.
    /// Records become durable in LSN order.
    @discardableResult
    public func append(_ payload: UnsafeRawBufferPointer) throws(JournalError) -> UInt64 {
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
            let wake = s.flusherIdle
            s.flusherIdle = false
            return (lsn, wake)
        }
        if wake { wakeFlusher.signal() }
        return lsn
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
        let outcome: JournalError? = await withCheckedContinuation { continuation in
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
        lock.release()
    }

    deinit {
        close()
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

    private func runFlusher() {
        var spare: [UInt8] = []
        while true {
            let next: Batch?? = state.withLock { s in
                if s.pending.isEmpty {
                    if s.closing {
                        finishClosing(&s)
                        return .some(nil)
                    }
                    s.flusherIdle = true
                    return .none
                }
                swap(&s.pending, &spare)
                let batch = Batch(lastLSN: s.nextLSN - 1, records: s.pendingRecords, fd: s.activeFD, offset: s.activeSize,
                                  path: directory + "/" + s.segments[s.segments.count - 1].name)
                s.pendingRecords = 0
                return .some(batch)
            }
            guard let next else {
                wakeFlusher.wait()
                continue
            }
            guard let batch = next else { break }
            flush(batch, bytes: spare)
            if spare.capacity > 8 << 20 { spare = [] } else { spare.removeAll(keepingCapacity: true) }
        }
        flusherExited.signal()
    }

    private func flush(_ batch: Batch, bytes: [UInt8]) {
        do throws(JournalError) {
            try bytes.withBytes { (raw) throws(JournalError) in
                try FileSystem.writeAll(batch.fd, raw, at: batch.offset, path: batch.path)
            }
            try FileSystem.syncData(batch.fd, path: batch.path)
        } catch {
            fail(error)
            return
        }
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
            s.rotateRequested = false
            return (due, rotate)
        }
        for waiter in due { waiter.continuation.resume(returning: nil) }
        if rotate { rotateSegment(firstLSN: batch.lastLSN + 1) }
    }

    /// Starts a new segment; called by the flusher between batches, when everything so far is durable.
    private func rotateSegment(firstLSN: UInt64) {
        do throws(JournalError) {
            let segment = try Recovery(directory: directory, options: options).createSegment(firstLSN: firstLSN)
            let fd = try FileSystem.openFile(directory + "/" + segment.name, flags: O_WRONLY)
            let old: Int32 = state.withLock { s in
                let old = s.activeFD
                s.activeFD = fd
                s.activeSize = RecordFormat.segmentHeaderSize
                s.segments.append(segment)
                return old
            }
            Glibc.close(old)
        } catch {
            fail(error)
        }
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
