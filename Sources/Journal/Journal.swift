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
    struct Waiter {
        let lsn: UInt64
        /// Resumed exactly once: by the flush that covers `lsn`, by a failure, or by close — each removes
        /// the waiter from `waiters` under the state lock before resuming it.
        let continuation: UnsafeContinuation<JournalError?, Never>
    }

    struct State {
        var pending: [UInt8] = []
        var pendingRecords = 0
        var nextLSN: UInt64
        var flusherIdle = false
        /// The flusher is holding a batch open for writers it just released (see `runFlusher`).
        var gathering = false
        /// How many records to gather, and until when (see `BatchPlanner`).
        var planner = BatchPlanner()
        var waiters: [Waiter] = []
        var failure: JournalError?
        var closing = false
        var closed = false
        var segments: [SegmentInfo]
        var activeFile: AppendFile
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
    let options: JournalOptions
    let state: LockedState<State>
    let durable: Atomic<UInt64>
    let wakeFlusher = DispatchSemaphore(value: 0)
    let flusherExited = DispatchSemaphore(value: 0)
    let sparePreparation = DispatchGroup()
    private let snapshotSerializer = Mutex<Void>(())
    /// Set while `snapshot(of:)` runs, so a second request is skipped rather than queued.
    let snapshotRunning = Atomic<Bool>(false)
    private let lock: any DirectoryLocking
    /// The file system the journal writes to (`options.fileSystem`).
    var files: any JournalFileSystem { options.fileSystem }

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
        lock = try options.fileSystem.lockDirectory(directory)
        let recovered = try Recovery(directory: directory, options: options)
            .run(restoreSnapshot: restoreSnapshot, replay: replay)
        recoveryReport = recovered.report
        let active = recovered.segments[recovered.segments.count - 1]
        let file = try options.fileSystem.openForAppends(directory + "/" + active.name)
        var initial = State(nextLSN: recovered.nextLSN, segments: recovered.segments, activeFile: file, activeSize: recovered.activeSize,
                            activeCapacity: recovered.activeCapacity)
        initial.snapshotLSN = recovered.snapshotLSN
        initial.stats.lastLSN = recovered.nextLSN - 1
        initial.stats.durableLSN = recovered.nextLSN - 1
        initial.stats.snapshotLSN = recovered.snapshotLSN
        initial.stats.bytesSinceSnapshot = recovered.report.bytesRead
        state = LockedState(initial)
        durable = Atomic(recovered.nextLSN - 1)
        let tail = recovered.activeTail
        let thread = Thread { [self] in runFlusher(tail: tail) }
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
            s.planner.noteAppend(pendingRecords: s.pendingRecords) { DispatchTime.now().uptimeNanoseconds }
            s.stats.lastLSN = lsn
            var wake = false
            if s.flusherIdle {
                s.flusherIdle = false
                wake = true
            } else if s.gathering, s.pendingRecords >= s.planner.enough {
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
    ///
    /// Returns false, writing nothing, when a newer snapshot is already in place: callers that chose their
    /// LSNs in one order can arrive here in the other, and the newer snapshot's compaction has already
    /// deleted the segments an older one would need.
    @discardableResult
    public func writeSnapshot(at lsn: UInt64, body: (inout SnapshotWriter) throws(JournalError) -> Void) throws(JournalError) -> Bool {
        try snapshotSerializer.withLock { (_) throws(JournalError) -> Bool in
            let durableNow = durableLSN
            guard lsn <= durableNow else { throw .snapshotAheadOfLog(requested: lsn, durable: durableNow) }
            if let newest = state.withLock({ $0.snapshotLSN }), lsn < newest { return false }
            let name = SnapshotFormat.fileName(lsn: lsn)
            let finalPath = directory + "/" + name
            let temporaryPath = finalPath + ".tmp"
            let fd = try files.openFile(temporaryPath, flags: O_WRONLY | O_CREAT | O_TRUNC)
            do throws(JournalError) {
                var writer = SnapshotWriter(files: files, fd: fd, path: temporaryPath, lsn: lsn)
                try body(&writer)
                try writer.finish()
                files.closeFile(fd)
            } catch {
                files.closeFile(fd)
                try? files.remove(temporaryPath)
                throw error
            }
            try files.rename(temporaryPath, to: finalPath)
            try files.syncDirectory(directory)
            try compact(after: lsn)
            return true
        }
    }

    /// `writeSnapshot` on a thread of its own, for callers on the cooperative thread pool: serialising a
    /// large state takes a while and must not hold up other tasks. Returns what `writeSnapshot` returns.
    @discardableResult
    public func writeSnapshotInBackground(
        at lsn: UInt64, body: @escaping @Sendable (inout SnapshotWriter) throws(JournalError) -> Void
    ) async throws(JournalError) -> Bool {
        let outcome: Result<Bool, JournalError> = await withCheckedContinuation { continuation in
            let thread = Thread {
                continuation.resume(returning: Result { () throws(JournalError) in try self.writeSnapshot(at: lsn, body: body) })
            }
            thread.name = "journal-snapshot"
            thread.start()
        }
        return try outcome.get()
    }

    /// Deletes snapshots older than `lsn` and every closed segment whose records all precede it.
    private func compact(after lsn: UInt64) throws(JournalError) {
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
        for segment in obsolete { try files.remove(directory + "/" + segment.name) }
        for other in try files.listDirectory(directory) where JournalFiles.snapshotLSN(other).map({ $0 < lsn }) == true {
            try files.remove(directory + "/" + other)
        }
        try files.syncDirectory(directory)
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

